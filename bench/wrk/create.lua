-- create: POST /api/v1/approvals naming service rule 1 (bench/pgbench/create.sql inserts the same values).
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
init = common.fixed("POST", "/api/v1/approvals",
   '{"title":"Bench approval","description":"Created by the benchmark.","deadline":"' .. common.deadline ..
   '","comment":"Created under load.","serviceRules":[1]}')
