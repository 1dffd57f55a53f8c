-- wrk script: cycles through a query file (one query per line), sending
-- GET <path>?q=<query> with an optional agent token.
-- Environment: KB_QUERIES (file), KB_PATH (default /api/v1/search), KB_TOKEN.
--
-- Mixed mode (bench/soak.sh), when KB_MIX is set, e.g. "search=60,suggest=25,article=15":
-- requests are drawn in those proportions from /api/v1/search (KB_QUERIES),
-- /api/v1/suggest (KB_PREFIXES) and /articles/<slug> (KB_SLUGS, one slug a
-- line). Every slug a search answers with is queued and its page requested
-- next on that connection, so the pages asked for are the ones the index
-- just named. Counts per kind and status class are written to KB_REPORT.
local path = os.getenv("KB_PATH") or "/api/v1/search"
local mix = os.getenv("KB_MIX")
local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local function read_lines(file, prefix)
  local out = {}
  for line in io.lines(file) do
    if #line > 0 then out[#out + 1] = prefix(line) end
  end
  return out
end
local queries = read_lines(os.getenv("KB_QUERIES"), function(q)
  return (mix and "/api/v1/search" or path) .. "?q=" .. urlencode(q)
end)
local token = os.getenv("KB_TOKEN")
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
local i = 0
local threads = {}
function setup(thread)
  thread:set("offset", math.random(#queries))
  threads[#threads + 1] = thread
end

if not mix then
  function init(args) i = offset or 0 end
  function request()
    i = i % #queries + 1
    return wrk.format("GET", queries[i])
  end
else
  local prefixes = read_lines(os.getenv("KB_PREFIXES"), function(q) return "/api/v1/suggest?q=" .. urlencode(q) end)
  local slugs = read_lines(os.getenv("KB_SLUGS"), function(s) return s end)
  local weights = {}
  for kind, w in mix:gmatch("(%a+)=(%d+)") do weights[#weights + 1] = {kind, tonumber(w)} end
  local total_weight = 0
  for _, kw in ipairs(weights) do total_weight = total_weight + kw[2] end
  local kinds = {"search", "suggest", "article", "followed"}
  local classes = {"2xx", "3xx", "4xx", "5xx"}
  local followed = {}  -- slugs from search answers, not yet requested
  local last_kind = nil
  local function pick()
    local r = math.random() * total_weight
    for _, kw in ipairs(weights) do
      r = r - kw[2]
      if r <= 0 then return kw[1] end
    end
    return weights[#weights][1]
  end
  function init(args)
    i = offset or 0
    for _, k in ipairs(kinds) do
      for _, c in ipairs(classes) do _G["n_" .. k .. "_" .. c] = 0 end
    end
    bad_follow = ""  -- slugs a search named whose page did not answer 200
  end
  function request()
    i = i + 1
    if #followed > 0 then
      last_kind = "followed"
      last_slug = table.remove(followed)
      return wrk.format("GET", "/articles/" .. urlencode(last_slug))
    end
    last_kind = pick()
    if last_kind == "suggest" then return wrk.format("GET", prefixes[i % #prefixes + 1]) end
    if last_kind == "article" then return wrk.format("GET", "/articles/" .. urlencode(slugs[i % #slugs + 1])) end
    last_kind = "search"
    return wrk.format("GET", queries[i % #queries + 1])
  end
  function response(status, headers, body)
    local class = string.format("%dxx", math.floor(status / 100))
    local key = "n_" .. last_kind .. "_" .. class
    _G[key] = (_G[key] or 0) + 1
    if last_kind == "search" and status == 200 and #followed < 4 and math.random() < 0.2 then
      local slug = body:match('"slug":"([^"]+)"')
      if slug then followed[#followed + 1] = slug end
    elseif last_kind == "followed" and status ~= 200 and #bad_follow < 2000 then
      bad_follow = bad_follow .. status .. " " .. last_slug .. "\n"
    end
  end
  function done(summary, latency, requests)
    local out = assert(io.open(os.getenv("KB_REPORT"), "w"))
    for _, k in ipairs(kinds) do
      for _, c in ipairs(classes) do
        local n = 0
        for _, t in ipairs(threads) do n = n + (t:get("n_" .. k .. "_" .. c) or 0) end
        out:write(string.format("%s %s %d\n", k, c, n))
      end
    end
    for _, t in ipairs(threads) do
      local b = t:get("bad_follow") or ""
      for line in b:gmatch("[^\n]+") do out:write("bad_follow " .. line .. "\n") end
    end
    out:close()
  end
end

local base_done = done
function done(summary, latency, requests)
  io.write(string.format("wrk: requests %d errors %d req/s %.0f p50 %.3f p99 %.3f p99.9 %.3f ms\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
  if mix then
    io.write(string.format("wrk socket errors: connect %d read %d write %d timeout %d; status >= 400: %d\n",
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
      summary.errors.status))
  end
  if base_done then base_done(summary, latency, requests) end
end
