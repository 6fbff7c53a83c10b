-- What results need from a runner beyond the name and wave: the course run (a 10K runner among
-- half-marathoners of the same event), the date of birth (age on race day) and a division
-- (Masters, Clydesdale, wheelchair ...; the age group keeps its own column).
ALTER TABLE participants
    ADD COLUMN course        text NOT NULL DEFAULT '',
    ADD COLUMN date_of_birth date NULL,
    ADD COLUMN division      text NOT NULL DEFAULT '';
