-- wrk script: cycles through a query file (one query per line), sending
-- GET <path>?q=<query> with an optional agent token.
-- Environment: KB_QUERIES (file), KB_PATH (default /api/v1/search), KB_TOKEN.
local queries = {}
local path = os.getenv("KB_PATH") or "/api/v1/search"
local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
for line in io.lines(os.getenv("KB_QUERIES")) do
  if #line > 0 then queries[#queries + 1] = path .. "?q=" .. urlencode(line) end
end
local token = os.getenv("KB_TOKEN")
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
local i = 0
function setup(thread) thread:set("offset", math.random(#queries)) end
function init(args) i = offset or 0 end
function request()
  i = i % #queries + 1
  return wrk.format("GET", queries[i])
end
function done(summary, latency, requests)
  io.write(string.format("wrk: requests %d errors %d req/s %.0f p50 %.3f p99 %.3f p99.9 %.3f ms\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
