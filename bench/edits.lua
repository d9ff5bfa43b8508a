-- wrk script for bench/run: PATCH a random line's five-year profile (as bench/patch.lua does) until
-- MTFS_BENCH_EDITS answers have come back, then print how many were not 2xx and end wrk (its main thread
-- would otherwise wait out the whole -d). Run it with -t1: the count is the thread's. bench/run counts the edits
-- applied from the lines' versions afterwards (requests still in flight at the end may be applied too).
local codes = {"ADU", "CFE", "CHS", "COR", "FIN", "HOU", "PLA", "PUB", "REG", "RES", "SUS", "TRA"}
local years = {"2021/22", "2022/23", "2023/24", "2024/25", "2025/26"}
local limit = tonumber(os.getenv("MTFS_BENCH_EDITS") or "50000")
local answered, failed = 0, 0
math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)

request = function()
  local n = math.random(0, 19999)
  local kind = (n % 3 ~= 0) and "SAV" or "GRO"
  local path = string.format("/api/v1/lines/%s-%s%02d", codes[n % 12 + 1], kind, math.floor(n / 12) + 1)
  local amounts = {}
  for i, year in ipairs(years) do
    amounts[i] = string.format('{"year": "%s", "amount": "%d.%02d"}', year, math.random(0, 2500000), math.random(0, 99))
  end
  local body = '{"years": [' .. table.concat(amounts, ", ") .. ']}'
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end -- keeps -H Authorization
  headers["Content-Type"] = "application/merge-patch+json"
  return wrk.format("PATCH", path, headers, body)
end

response = function(status, headers, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    if failed == 0 then io.write(string.format("first non-2xx: %d %s\n", status, (body or ""):sub(1, 300))) end
    failed = failed + 1
  end
  if answered >= limit then
    io.write(string.format("edits answered: %d, non-2xx: %d\n", answered, failed))
    io.flush()
    os.exit(0)
  end
end
