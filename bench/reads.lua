-- wrk script for bench/run: the reads users make, each request with random values from bench/dataset.py's
-- 20,000 lines (12 directorates, refs like CFE-SAV05, titles "Line N", owners "Owner N").
-- Usage: wrk ... -s bench/reads.lua URL -- READ [QUERY]
--   READ: health (GET /health), line (GET /api/v1/lines/REF), ref-line (GET /line/REF on the reference server),
--         page-directorate, page-directorate-year, page-kind-status, page-year, page-q, page-all
--         (GET /api/v1/lines?limit=50&cursor=REF&filters), ref-page (GET /lines?limit=50&cursor=REF on the
--         reference), summary, summary-directorate, at-risk, at-risk-directorate, at-risk-directorate-paged
--         (its not-assessed savings 50 at a time from a random cursor);
--   QUERY: more of the query string, appended as it is (e.g. `as_at=2026-12-02T06%3A00%3A00Z`, `totals=true`).
-- A page's cursor is a random line of the filtered directorate and kind, so that a page is one a user paging
-- through that filter reaches. MTFS_BENCH_PROBE=1 prints the first non-2xx answer (path, status, body) and stops;
-- MTFS_BENCH_PROBE=path prints the first path sent and ends wrk.
local codes = {"ADU", "CFE", "CHS", "COR", "FIN", "HOU", "PLA", "PUB", "REG", "RES", "SUS", "TRA"}
local years = {"2021/22", "2022/23", "2023/24", "2024/25", "2025/26"}
local kinds = {"saving", "growth"}
local statuses = {"proposed", "agreed", "in_delivery", "delivered"}
local LINES = 20000

local read, extra, last_path
math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)

function init(args)
  read = args[1] or "line"
  extra = args[2] or ""
end

local function pick(list) return list[math.random(#list)] end

-- The ref (path form) of line n of bench/dataset.py.
local function line_ref(n)
  local kind = (n % 3 ~= 0) and "SAV" or "GRO"
  return string.format("%s-%s%02d", codes[n % 12 + 1], kind, math.floor(n / 12) + 1)
end

-- A random line, of this directorate (index into codes) and kind when given. In bench/dataset.py a directorate
-- holds lines of one kind only (ADU, COR, PLA and REG growth, the others savings): with a directorate of the
-- other kind, the filtered set is empty and the cursor is a line of the directorate.
local function random_line(directorate, kind)
  if directorate and kind and ((directorate - 1) % 3 ~= 0) ~= (kind == "saving") then kind = nil end
  while true do
    local n = math.random(0, LINES - 1)
    if directorate then n = n - n % 12 + directorate - 1; if n >= LINES then n = n - 12 end end
    local is_saving = n % 3 ~= 0
    if not kind or (kind == "saving") == is_saving then return n end
  end
end

-- Words from the titles and owners: a line's number ("Line 1234" also finds Line 12345...), an owner, a bare number.
local function random_q()
  local choice = math.random(3)
  if choice == 1 then return "Line%20" .. math.random(0, LINES - 1)
  elseif choice == 2 then return "Owner%20" .. math.random(0, 96)
  else return tostring(math.random(0, 1999)) end
end

local function page(d, kind, status, year, q)
  local parts = {"limit=50", "cursor=" .. line_ref(random_line(d, kind))}
  if d then parts[#parts + 1] = "directorate=" .. codes[d] end
  if kind then parts[#parts + 1] = "kind=" .. kind end
  if status then parts[#parts + 1] = "status=" .. status end
  if year then parts[#parts + 1] = "year=" .. year end
  if q then parts[#parts + 1] = "q=" .. q end
  return "/api/v1/lines?" .. table.concat(parts, "&")
end

local function path_for()
  local d = math.random(12)
  if read == "health" then return "/health"
  elseif read == "line" then return "/api/v1/lines/" .. line_ref(math.random(0, LINES - 1))
  elseif read == "ref-line" then return "/line/" .. line_ref(math.random(0, LINES - 1))
  elseif read == "ref-page" then return "/lines?limit=50&cursor=" .. line_ref(math.random(0, LINES - 1))
  elseif read == "page-directorate" then return page(d)
  elseif read == "page-directorate-year" then return page(d, nil, nil, pick(years))
  elseif read == "page-kind-status" then return page(nil, pick(kinds), pick(statuses))
  elseif read == "page-year" then return page(nil, nil, nil, pick(years))
  elseif read == "page-q" then return page(nil, nil, nil, nil, random_q())
  elseif read == "page-all" then return page(d, pick(kinds), pick(statuses), pick(years), random_q())
  elseif read == "summary" then return "/api/v1/reports/summary"
  elseif read == "summary-directorate" then return "/api/v1/reports/summary?directorate=" .. codes[d]
  elseif read == "at-risk" then return "/api/v1/reports/at-risk?year=2021/22&period=P3"
  elseif read == "at-risk-directorate" then
    return "/api/v1/reports/at-risk?year=2021/22&period=P3&directorate=" .. codes[d]
  elseif read == "at-risk-directorate-paged" then
    -- the not-assessed savings a page at a time, from a random saving of the directorate
    return "/api/v1/reports/at-risk?year=2021/22&period=P3&directorate=" .. codes[d] ..
      "&not_assessed_limit=50&not_assessed_cursor=" .. line_ref(random_line(d, "saving"))
  else error("unknown read: " .. read) end
end

request = function()
  local path = path_for()
  if extra ~= "" then path = path .. (path:find("?", 1, true) and "&" or "?") .. extra end
  last_path = path
  if os.getenv("MTFS_BENCH_PROBE") == "path" then io.write("path " .. path .. "\n"); io.flush(); os.exit(0) end
  return wrk.format("GET", path)
end

if os.getenv("MTFS_BENCH_PROBE") == "1" then
  response = function(status, headers, body)
    if status < 200 or status > 299 then
      io.write(string.format("first non-2xx: %d GET %s -> %s\n", status, last_path, (body or ""):sub(1, 300)))
      io.flush()
      wrk.thread:stop()
    end
  end
end
