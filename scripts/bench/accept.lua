-- wrk script: durable accepts. Each wrk thread owns a slice of the target services (one
-- `/web/v1/maintain/cluster/C/service/S` per line of the targets file) and walks it in passes:
-- start on every service of its slice, then stop on every one, and so on, so a service is asked
-- again only a whole pass later (its previous task long finished).
--
--   wrk -t T -c C -d 10s -s accept.lua URL -- TOKEN TARGETS_FILE T [OFFSET1,OFFSET2,...]
--
-- OFFSETk continues thread k where an earlier run stopped (the bench passes what `done` printed).
-- Every answer must be 200: `done` prints the count of others and the first one's body.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   local token, file, nthreads, offsets = args[1], args[2], tonumber(args[3]), args[4] or ""
   local targets = {}
   for line in io.lines(file) do
      targets[#targets + 1] = line
   end
   local per = math.floor(#targets / nthreads)
   if per < 1 then
      error("fewer targets than threads")
   end
   first, per_thread, list = (id - 1) * per, per, targets
   issued = 0
   local k = 1
   for o in string.gmatch(offsets, "%d+") do
      if k == id then
         issued = tonumber(o)
      end
      k = k + 1
   end
   bad, first_bad = 0, ""
   wrk.headers["X-Auth-Token"] = token
   wrk.headers["Content-Type"] = "application/json"
   body = '{"only_self":true}'
end

function request()
   local k = issued % per_thread
   local op = (math.floor(issued / per_thread) % 2 == 0) and "/start" or "/stop"
   issued = issued + 1
   return wrk.format("POST", list[first + k + 1] .. op, nil, body)
end

function response(status, headers, resp)
   if status ~= 200 then
      bad = bad + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(resp or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local bad_total, first, offsets = 0, "", {}
   for _, t in ipairs(threads) do
      bad_total = bad_total + t:get("bad")
      if first == "" then
         first = t:get("first_bad")
      end
      offsets[#offsets + 1] = string.format("%d", t:get("issued"))
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d non200=%d socket_errors=%d timeouts=%d " ..
      "p50_us=%d p90_us=%d p99_us=%d max_us=%d offsets=%s\n",
      summary.requests, summary.duration, bad_total, e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      table.concat(offsets, ",")))
   if first ~= "" then
      io.write("FIRST_BAD " .. first .. "\n")
   end
end
