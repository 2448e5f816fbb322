-- wrk script for the background route: POSTs a small JSON body and counts the status codes it gets back.
-- wrk runs one Lua state per thread, so each thread counts into its own table and done() (in the main state)
-- adds them up through thread:get. Prints "status <code> <count>" lines that run.sh parses.
wrk.method = "POST"
wrk.body = '{"report":"daily"}'
wrk.headers["Content-Type"] = "application/json"

local threads = {}

-- Several servers (replicas): WRK_PORTS="5001 5002 5003" gives each thread one of them, in turn, on 127.0.0.1.
local ports = {}
for port in string.gmatch(os.getenv("WRK_PORTS") or "", "%d+") do
   table.insert(ports, port)
end

function setup(thread)
   if #ports > 0 then
      thread.addr = wrk.lookup("127.0.0.1", ports[#threads % #ports + 1])[1]
   end
   table.insert(threads, thread)
end

function init(args)
   counts = {}
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
   local totals = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("counts")) do
         totals[status] = (totals[status] or 0) + count
      end
   end
   for status, count in pairs(totals) do
      io.write(string.format("status %d %d\n", status, count))
   end
end
