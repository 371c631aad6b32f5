-- wrk script of bench/ingest.py: every request is a new TTS v3 uplink delivery.
--
--   wrk -s bench/webhook.lua URL -- BODIES_FILE TOKEN RUN_ID
--
-- BODIES_FILE holds real webhook bodies from the simulator, one per line.
-- Request n of thread t posts body n mod count with the correlation ID
-- (the portal's deduplication key) replaced by "as:up:RUN_ID-t-n", so each
-- one is a distinct delivery while payloads and f_cnt vary with the body.
-- done() prints one JSON line that bench/ingest.py reads.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(bodies, line) end
  end
  token = args[2]
  run_id = args[3]
  sent = 0
  non2xx = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  sent = sent + 1
  local body = bodies[(sent % #bodies) + 1]
  local key = "as:up:" .. run_id .. "-" .. id .. "-" .. sent
  body = string.gsub(body, "as:up:[0-9A-Za-z%-]+", key, 1)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, '
      .. '"max_ms": %.3f, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
