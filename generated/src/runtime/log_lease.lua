-- One System Log tailer per org (okta-client, runtime/log_lease.rs): a lease held by one
-- replica, renewed while it runs and expiring when it dies, and the checkpoint it writes.
--
-- KEYS[1] lease (string: the holder's id, expiring), KEYS[2] cursor (string: the link to
-- resume from), KEYS[3] seen (sorted set: uuids of acknowledged events, scored by order),
-- KEYS[4] the counter that orders them
-- ARGV[1] operation: "take", "renew", "ack" or "release"; ARGV[2] holder id; ARGV[3] lease ms
-- take:    {1, cursor or ''} when this holder has the lease, {0, ms left} when another has it
-- renew:   1 while this holder has it, 0 when it has been lost
-- ack:     ARGV[4] cursor ('' keeps the last), ARGV[5] most uuids kept, ARGV[6…] uuids;
--          1 when checkpointed, 0 when the lease has been lost (nothing written)
-- release: gives the lease up if this holder has it

local op, me, ms = ARGV[1], ARGV[2], tonumber(ARGV[3])
local holder = redis.call('GET', KEYS[1])

if op == 'take' then
  if holder == false or holder == me then
    redis.call('SET', KEYS[1], me, 'PX', ms)
    return {1, redis.call('GET', KEYS[2]) or ''}
  end
  return {0, redis.call('PTTL', KEYS[1])}
end

if holder ~= me then
  return 0
end

if op == 'renew' then
  redis.call('PEXPIRE', KEYS[1], ms)
  return 1
end

if op == 'ack' then
  if ARGV[4] ~= '' then
    redis.call('SET', KEYS[2], ARGV[4])
  end
  local n = redis.call('INCRBY', KEYS[4], #ARGV - 5)
  for i = 6, #ARGV do
    redis.call('ZADD', KEYS[3], n - (#ARGV - i), ARGV[i])
  end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[5]) - 1)
  redis.call('PEXPIRE', KEYS[1], ms)
  return 1
end

if op == 'release' then
  redis.call('DEL', KEYS[1])
  return 1
end

return redis.error_reply('okta-client log lease script: unknown operation ' .. tostring(op))
