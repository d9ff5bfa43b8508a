DROP TABLE dsg_plans; DROP TABLE dsg_transfers; DROP TABLE dsg_balances;
