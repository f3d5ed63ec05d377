-- legacy-create: the original route, POST /request with the original snake_case body.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
init = common.fixed("POST", "/request",
   '{"title":"Bench approval","description":"Created by the benchmark.","service_rule":1,"deadline":"' ..
   common.deadline .. '","comment":"Created under load."}')
