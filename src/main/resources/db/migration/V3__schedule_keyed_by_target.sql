-- A recipe's schedule (its slots, its failures in a row, its pause) is kept per target: two
-- schedulers that bake one recipe into two accounts or endpoints keep two schedules. The key is
-- the target as configured (Target.scheduleKey: endpoint and credentials, no cloud call needed),
-- every in-process sandbox one target. Rows of the earlier code keep their recipe, with the target
-- its schedulers had when none was named: AWS, through the default credentials ('aws'). New
-- tables, since the two databases name primary keys apart.

CREATE TABLE AMIBAKE_SLOT (
    TARGET VARCHAR(300) NOT NULL,
    RECIPE VARCHAR(200) NOT NULL,
    SLOT_AT BIGINT NOT NULL,
    OWNER VARCHAR(300) NOT NULL,
    OUTCOME VARCHAR(20) NOT NULL,
    RESUMED BOOLEAN DEFAULT FALSE NOT NULL,
    DETAIL VARCHAR(2000),
    BAKE_ID VARCHAR(255),
    EXECUTION_ID BIGINT,
    IMAGE_ID VARCHAR(64),
    CLAIMED_AT BIGINT NOT NULL,
    FINISHED_AT BIGINT,
    PRIMARY KEY (TARGET, RECIPE, SLOT_AT));

INSERT INTO AMIBAKE_SLOT (TARGET, RECIPE, SLOT_AT, OWNER, OUTCOME, RESUMED, DETAIL, BAKE_ID, EXECUTION_ID, IMAGE_ID,
                          CLAIMED_AT, FINISHED_AT)
SELECT 'aws', RECIPE, SLOT_AT, OWNER, OUTCOME, RESUMED, DETAIL, BAKE_ID, EXECUTION_ID, IMAGE_ID, CLAIMED_AT,
       FINISHED_AT
FROM AMIBAKE_SCHEDULE_SLOT;

DROP TABLE AMIBAKE_SCHEDULE_SLOT;

CREATE TABLE AMIBAKE_RECIPE_SCHEDULE (
    TARGET VARCHAR(300) NOT NULL,
    RECIPE VARCHAR(200) NOT NULL,
    FAILURES INTEGER DEFAULT 0 NOT NULL,
    PAUSED_AT BIGINT,
    PAUSED_RECIPE VARCHAR(64),
    LAST_ERROR VARCHAR(2000),
    PRIMARY KEY (TARGET, RECIPE));

INSERT INTO AMIBAKE_RECIPE_SCHEDULE (TARGET, RECIPE, FAILURES, PAUSED_AT, PAUSED_RECIPE, LAST_ERROR)
SELECT 'aws', RECIPE, FAILURES, PAUSED_AT, PAUSED_RECIPE, LAST_ERROR
FROM AMIBAKE_SCHEDULE_STATE;

DROP TABLE AMIBAKE_SCHEDULE_STATE;
