-- wrk script: PUT a revised 2021/22 P3 assessment of a random assessed saving (bench/dataset.py assesses every
-- fifth saving with an amount that year), as a finance BP revising the month's figures: a small amount at risk,
-- different each time, so that every request is a revision (its kept totals, states, claims and event).
local codes = {"ADU", "CFE", "CHS", "COR", "FIN", "HOU", "PLA", "PUB", "REG", "RES", "SUS", "TRA"}
math.randomseed(os.time() + math.floor(os.clock() * 1e6))

request = function()
  local n
  repeat n = math.random(0, 19999) until n % 3 ~= 0 and n % 5 == 1
  local path = string.format("/api/v1/periods/2021-22/P3/assessments/%s-SAV%02d", codes[n % 12 + 1], math.floor(n / 12) + 1)
  local body = string.format('{"rag": "amber", "at_risk": "%d.%02d", "reason": "Bench revision"}',
    math.random(1, 999), math.random(0, 99))
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end -- keeps -H Authorization
  headers["Content-Type"] = "application/json"
  return wrk.format("PUT", path, headers, body)
end
