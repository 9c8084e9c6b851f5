-- wrk script: one authenticated GET, every answer must be 200.
--
--   wrk -t T -c C -d 5s -s read.lua URL -- TOKEN
--
-- An empty TOKEN sends no X-Auth-Token (the hello-world). `done` prints a RESULT line.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   if args[1] and args[1] ~= "" then
      wrk.headers["X-Auth-Token"] = args[1]
   end
   bad, first_bad = 0, ""
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
   local bad_total, first = 0, ""
   for _, t in ipairs(threads) do
      bad_total = bad_total + t:get("bad")
      if first == "" then
         first = t:get("first_bad")
      end
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d non200=%d socket_errors=%d timeouts=%d " ..
      "p50_us=%d p90_us=%d p99_us=%d max_us=%d offsets=\n",
      summary.requests, summary.duration, bad_total, e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
   if first ~= "" then
      io.write("FIRST_BAD " .. first .. "\n")
   end
end
