"""Result lockers: banks, parcels, the door state machine, audit and alerts."""
