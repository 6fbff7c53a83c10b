-- Operators' session operations: one manual gun time per wave and session (set again = replace).
-- The wave '' means "every runner without a wave of their own".
UPDATE gun_times SET wave = '' WHERE wave IS NULL AND source = 'manual';
CREATE UNIQUE INDEX gun_times_manual_wave
    ON gun_times (session_id, (coalesce(wave, ''))) WHERE source = 'manual';
