-- get: GET /api/v1/approvals/{id} of a random existing approval.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
setup = common.setup
init = common.init
request = common.random_get("/api/v1/approvals/")
