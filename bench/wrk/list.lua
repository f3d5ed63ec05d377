-- list: the first page (default size, 50) of PENDING approvals by deadline.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
init = common.fixed("GET", "/api/v1/approvals?status=PENDING&sort=deadline")
