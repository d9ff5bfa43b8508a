-- wrk script: PATCH a random line's five-year profile (as a finance BP revising a line), 20,000 lines.
local codes = {"ADU", "CFE", "CHS", "COR", "FIN", "HOU", "PLA", "PUB", "REG", "RES", "SUS", "TRA"}
local years = {"2021/22", "2022/23", "2023/24", "2024/25", "2025/26"}
math.randomseed(os.time())

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
