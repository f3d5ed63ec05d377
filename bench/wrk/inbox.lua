-- inbox: GET / (the web inbox's first page) as the bench readers, each request with the session cookie of the next
-- reader in turn (bench/Approvals.Bench/InboxPeople.cs). Arguments after "--": the file of cookies (one per line).
function init(args)
   cookies = {}
   for line in io.lines(args[1]) do
      cookies[#cookies + 1] = line
   end
   made = 0
   wrk.headers["Accept"] = "text/html"
end

function request()
   made = made + 1
   wrk.headers["Cookie"] = cookies[made % #cookies + 1]
   return wrk.format("GET", "/")
end
