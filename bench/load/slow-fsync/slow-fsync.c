#define _GNU_SOURCE
#include <dlfcn.h>
#include <unistd.h>
#include <stdlib.h>
/* fsync and fdatasync that take at least SLOW_FSYNC_US longer: a slow disk flush, to test the group commit's latency model. */
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static unsigned extra(void) { const char *v = getenv("SLOW_FSYNC_US"); return v ? (unsigned)atoi(v) : 2000; }
int fsync(int fd) { if (!real_fsync) real_fsync = dlsym(RTLD_NEXT, "fsync"); int r = real_fsync(fd); usleep(extra()); return r; }
int fdatasync(int fd) { if (!real_fdatasync) real_fdatasync = dlsym(RTLD_NEXT, "fdatasync"); int r = real_fdatasync(fd); usleep(extra()); return r; }
