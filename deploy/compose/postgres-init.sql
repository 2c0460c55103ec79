-- A database per service (DESIGN §5: each service owns its data). Run once by the postgres
-- image on an empty data directory; every service connects as the `shop` role to its own.
CREATE DATABASE users;
CREATE DATABASE products;
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE notifications;
CREATE DATABASE reviews;
