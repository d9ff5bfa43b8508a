-- Nothing to restore: the tokens are gone, as they should be.
SELECT 1;
