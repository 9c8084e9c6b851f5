-- What a driver said while performing a step (an exec command's output, a BMC's answer).
ALTER TABLE steps ADD COLUMN output TEXT;
