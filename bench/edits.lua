-- wrk script for bench/run: PATCH a random line's five-year profile (as bench/patch.lua does) until this
-- thread has had MTFS_BENCH_EDITS_PER_THREAD answers, then stop. bench/run counts the edits applied from the
-- lines' versions afterwards (requests still in flight when a thread stops may be applied too).
local codes = {"ADU", "CFE", "CHS", "COR", "FIN", "HOU", "PLA", "PUB", "REG", "RES", "SUS", "TRA"}
local years = {"2021/22", "2022/23", "2023/24", "2024/25", "2025/26"}
local limit = tonumber(os.getenv("MTFS_BENCH_EDITS_PER_THREAD") or "50000")
local answered = 0
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
  if answered >= limit then wrk.thread:stop() end
end
