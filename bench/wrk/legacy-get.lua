-- legacy-get: the original route, GET /request?id= of a random existing approval.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
setup = common.setup
init = common.init

function request()
   return wrk.format("GET", "/request?id=" .. common.random_id())
end
