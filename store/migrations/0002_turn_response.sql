-- Voice turns: the response latency the caller heard (end of speech to the
-- first bot audio, end-of-turn wait included), next to the brain's own
-- latency_us, so the consoles and `callbee bench` can give percentiles per
-- door without parsing trace JSON.
ALTER TABLE turns ADD COLUMN response_us INTEGER NOT NULL DEFAULT 0;
CREATE INDEX turns_response ON turns (at) WHERE response_us > 0;
