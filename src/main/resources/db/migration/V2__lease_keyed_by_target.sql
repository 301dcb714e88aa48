-- A bake's lease is keyed by its target and its recipe: one bake of a recipe at a time per
-- account and endpoint. Leases live only while a bake runs; one left by a bake of the earlier
-- code keeps its recipe, with the target such bakes had when none was named: AWS, through the
-- default credentials ('aws'). A new table, since the two databases name primary keys apart.

CREATE TABLE AMIBAKE_BAKE_LEASE (
    TARGET VARCHAR(300) NOT NULL,
    RECIPE VARCHAR(200) NOT NULL,
    TOKEN VARCHAR(64) NOT NULL,
    OWNER_HOST VARCHAR(255) NOT NULL,
    OWNER_PID BIGINT NOT NULL,
    BAKE_ID VARCHAR(255),
    EXECUTION_ID BIGINT,
    STARTED_AT BIGINT NOT NULL,
    EXPIRES_AT BIGINT NOT NULL,
    PRIMARY KEY (TARGET, RECIPE));

INSERT INTO AMIBAKE_BAKE_LEASE (TARGET, RECIPE, TOKEN, OWNER_HOST, OWNER_PID, BAKE_ID, EXECUTION_ID, STARTED_AT,
                                EXPIRES_AT)
SELECT 'aws', RECIPE, TOKEN, OWNER_HOST, OWNER_PID, BAKE_ID, EXECUTION_ID, STARTED_AT, EXPIRES_AT
FROM AMIBAKE_LEASE;

DROP TABLE AMIBAKE_LEASE;
