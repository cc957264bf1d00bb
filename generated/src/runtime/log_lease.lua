-- One System Log tailer per org (okta-client, runtime/log_lease.rs): a lease held by one
-- replica, renewed while it runs and expiring when it dies, the fencing token that grows with
-- every new holder, and the checkpoint the holder writes (when Redis keeps it).
--
-- KEYS[1] lease (string: the holder's id, expiring), KEYS[2] cursor (string: the link to
-- resume from), KEYS[3] seen (sorted set: uuids of acknowledged events, scored by order),
-- KEYS[4] the counter that orders them, KEYS[5] fence (string: the last holder's token)
-- ARGV[1] operation: "take", "renew", "ack" or "release"; ARGV[2] holder id; ARGV[3] lease ms
-- take:    {'1', token, cursor or '', uuid…} when this holder has the lease (the checkpoint
--          with it), {'0', ms left} when another has it
-- renew:   ARGV[4] token; 1 while this holder has it (or has it again: it expired and no other
--          holder took it since), 0 when it has been lost
-- ack:     ARGV[4] token, ARGV[5] cursor ('' keeps the last), ARGV[6] most uuids kept,
--          ARGV[7…] uuids; 1 when checkpointed, 0 when the lease has been lost (nothing written)
-- release: ARGV[4] token; gives the lease up if this holder has it
--
-- A new holder's token is the larger of the last token + 1 and Redis's clock in milliseconds,
-- so tokens grow across holders even when Redis restarts empty (as long as its clock does not
-- go back): a sink that refuses a token below the highest it has seen refuses a late writer.

local op, me, ms = ARGV[1], ARGV[2], tonumber(ARGV[3])
local holder = redis.call('GET', KEYS[1])
local fence = tonumber(redis.call('GET', KEYS[5]) or '0')

if op == 'take' then
  if holder == false or holder == me then
    if holder == false then
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      fence = math.max(fence + 1, now)
      -- As an integer string: a large number would otherwise be written as 1.7e+12.
      redis.call('SET', KEYS[5], string.format('%d', fence))
    end
    redis.call('SET', KEYS[1], me, 'PX', ms)
    local out = {'1', string.format('%d', fence), redis.call('GET', KEYS[2]) or ''}
    for _, uuid in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
      out[#out + 1] = uuid
    end
    return out
  end
  return {'0', tostring(redis.call('PTTL', KEYS[1]))}
end

-- Every other operation is this holder's, under its token. A lease that expired while its
-- holder was slow, and that no other holder took since (that would have raised the fence), is
-- still this holder's to keep.
if fence ~= tonumber(ARGV[4]) or (holder ~= me and holder ~= false) then
  return 0
end

if op == 'renew' then
  redis.call('SET', KEYS[1], me, 'PX', ms)
  return 1
end

if op == 'ack' then
  if ARGV[5] ~= '' then
    redis.call('SET', KEYS[2], ARGV[5])
  end
  local n = redis.call('INCRBY', KEYS[4], #ARGV - 6)
  for i = 7, #ARGV do
    redis.call('ZADD', KEYS[3], n - (#ARGV - i), ARGV[i])
  end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[6]) - 1)
  redis.call('SET', KEYS[1], me, 'PX', ms)
  return 1
end

if op == 'release' then
  redis.call('DEL', KEYS[1])
  return 1
end

return redis.error_reply('okta-client log lease script: unknown operation ' .. tostring(op))
