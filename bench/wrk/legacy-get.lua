-- legacy-get: the original route, GET /request?id= of a random existing approval.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
setup = common.setup
init = common.init
request = common.random_get("/request?id=")
