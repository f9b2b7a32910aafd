-- wrk script: random 100-bp /sequence/{md5}?start=&end= requests with a
-- fixed seed per thread. Configure with environment variables SEQFS_MD5 and
-- SEQFS_LEN (sequence length).
local md5 = os.getenv("SEQFS_MD5")
local len = tonumber(os.getenv("SEQFS_LEN"))
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  math.randomseed(20240601 + (tid or 0))
end

function request()
  local s = math.random(0, len - 100)
  return wrk.format("GET", "/sequence/" .. md5 .. "?start=" .. s .. "&end=" .. (s + 100))
end
