-- wrk script for the background route: POSTs a small JSON body and counts the status codes it gets back.
-- wrk runs one Lua state per thread, so each thread counts on its own and done() (in the main state) adds them up
-- through thread:get. Prints "status <code> <count>" lines that run.sh parses.
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

-- Each status code counts into a global of its own ("count_202"): thread:get copies a number alike in wrk and wrk2,
-- whereas wrk2 hands back a table with its keys and values swapped.
local names = {}

function response(status, headers, body)
   local name = names[status]
   if not name then
      name = "count_" .. status
      names[status] = name
   end
   _G[name] = (_G[name] or 0) + 1
end

function done(summary, latency, requests)
   for status = 100, 599 do
      local total = 0
      for _, thread in ipairs(threads) do
         total = total + (thread:get("count_" .. status) or 0)
      end
      if total > 0 then
         io.write(string.format("status %d %d\n", status, total))
      end
   end
end
