DROP TABLE return_receipts;
