-- The query corpus of the sql job, each run by the job at several chunk
-- sizes and by DuckDB. A query starts with "-- name: NAME"; "-- schema:
-- name:TYPE,..." types columns (DuckDB gets them as read_csv's types). In
-- FROM, {orders} is an orders CSV, {orders_dir} a directory of two of
-- them, {orders_json} the orders as JSON Lines, {visits} a uservisits CSV.

-- name: scan-all-columns
SELECT * FROM '{orders}'

-- name: scan-projection
SELECT id, customer, amount FROM '{orders}'

-- name: filter-number
SELECT id, amount FROM '{orders}' WHERE amount > 1000

-- name: filter-negative
SELECT id, amount, qty FROM '{orders}' WHERE amount < 0 AND qty <= -5

-- name: filter-string-eq
SELECT id, country FROM '{orders}' WHERE country = 'USA'

-- name: filter-string-ne-bang
SELECT id, country FROM '{orders}' WHERE country != 'USA'

-- name: filter-or-not-parens
SELECT id FROM '{orders}' WHERE NOT (country = 'DEU' OR country = 'FRA') AND (qty > 40 OR amount < -150)

-- name: filter-between-numbers
SELECT id, qty FROM '{orders}' WHERE qty BETWEEN 10 AND 12

-- name: filter-not-between
SELECT id, qty FROM '{orders}' WHERE qty NOT BETWEEN -5 AND 45

-- name: filter-date-range
SELECT id, orderDate FROM '{orders}' WHERE orderDate BETWEEN DATE '2020-01-01' AND DATE '2020-03-31'

-- name: filter-date-compare
SELECT id, orderDate FROM '{orders}' WHERE orderDate >= DATE '2023-12-01'

-- name: filter-date-string
SELECT id FROM '{orders}' WHERE orderDate < '2018-02-01'

-- name: filter-in-strings
SELECT id, country FROM '{orders}' WHERE country IN ('JPN', 'BRA')

-- name: filter-not-in-numbers
SELECT id, qty FROM '{orders}' WHERE qty NOT IN (1, 2, 3, 4, 5) AND qty < 8

-- name: filter-in-with-null
SELECT count(*) FROM '{orders}' WHERE qty IN (1, NULL)

-- name: filter-like-prefix
SELECT id, customer FROM '{orders}' WHERE customer LIKE 'Ma%'

-- name: filter-like-contains
SELECT id, note FROM '{orders}' WHERE note LIKE '%a%'

-- name: filter-like-underscore-utf8
SELECT id, customer FROM '{orders}' WHERE customer LIKE '_mile'

-- name: filter-like-general
SELECT id, customer FROM '{orders}' WHERE customer LIKE '%a_%a'

-- name: filter-not-like
SELECT count(*) FROM '{orders}' WHERE customer NOT LIKE '%o%'

-- name: filter-is-null
SELECT id FROM '{orders}' WHERE amount IS NULL

-- name: filter-is-not-null
SELECT count(*) FROM '{orders}' WHERE note IS NOT NULL AND country IS NOT NULL

-- name: filter-bool
SELECT id FROM '{orders}' WHERE flag AND qty > 45

-- name: filter-bool-compare
SELECT count(*) FROM '{orders}' WHERE flag = false

-- name: filter-quoted-strings
SELECT id, customer, note FROM '{orders}' WHERE customer = 'Smith, John' OR note = 'say "hi"'

-- name: filter-padded
SELECT id FROM '{orders}' WHERE customer = '  padded  '

-- name: arithmetic
SELECT id, amount * qty AS total, amount - 10.5 AS less, qty + 1 AS q1, qty * 2 - 3 AS q2 FROM '{orders}' WHERE id < 400

-- name: arithmetic-division
SELECT id, qty / 4 AS d, qty // 4 AS i, qty % 7 AS m FROM '{orders}' WHERE id < 300

-- name: arithmetic-unary
SELECT id, -amount AS neg, -qty AS nq FROM '{orders}' WHERE id < 100

-- name: arithmetic-in-filter
SELECT id FROM '{orders}' WHERE amount * (1 - discount) > 1500

-- name: functions-case
SELECT id, lower(customer) AS l, upper(customer) AS u FROM '{orders}' WHERE id < 200

-- name: functions-length-trim
SELECT id, length(customer) AS n, trim(customer) AS t, length(trim(customer)) AS tn FROM '{orders}' WHERE id < 200

-- name: functions-substr
SELECT id, substr(customer, 2, 3) AS a, substring(customer, 2) AS b, substr(note, -3) AS c FROM '{orders}' WHERE id < 200

-- name: cast-types
SELECT id, CAST(amount AS VARCHAR) AS s, CAST(qty AS DOUBLE) AS d, CAST(amount AS BIGINT) AS i, CAST(orderDate AS VARCHAR) AS ds FROM '{orders}' WHERE id < 150

-- name: cast-decimal
SELECT id, CAST(discount AS DECIMAL(10,2)) AS d2, CAST(amount AS DECIMAL(12,1)) AS a1 FROM '{orders}' WHERE id < 150

-- name: cast-date-filter
SELECT id FROM '{orders}' WHERE CAST(orderDate AS DATE) BETWEEN DATE '2021-07-01' AND DATE '2021-07-04'

-- name: cast-in-where
SELECT count(*) FROM '{orders}' WHERE CAST(qty AS VARCHAR) LIKE '1%'

-- name: distinct-one
SELECT DISTINCT country FROM '{orders}'

-- name: distinct-two
SELECT DISTINCT country, flag FROM '{orders}'

-- name: distinct-expression
SELECT DISTINCT lower(country) AS c FROM '{orders}'

-- name: count-star
SELECT count(*) FROM '{orders}'

-- name: global-aggregates
SELECT count(*), count(amount), sum(amount), min(amount), max(amount), avg(amount), sum(qty), avg(qty), min(orderDate), max(orderDate), min(customer), max(customer) FROM '{orders}'

-- name: global-over-nothing
SELECT count(*), sum(amount), avg(qty), min(customer) FROM '{orders}' WHERE qty > 1000

-- name: group-by-country
SELECT country, count(*), sum(amount), avg(amount), min(qty), max(qty) FROM '{orders}' GROUP BY country

-- name: group-by-two
SELECT country, flag, count(*) AS n, sum(qty) AS q FROM '{orders}' GROUP BY country, flag

-- name: group-by-alias
SELECT substr(CAST(orderDate AS VARCHAR), 1, 4) AS yr, count(*) AS n, sum(amount) AS total FROM '{orders}' GROUP BY yr

-- name: group-by-position
SELECT lower(country) AS c, count(*) FROM '{orders}' GROUP BY 1

-- name: group-by-expression
SELECT qty % 5 AS bucket, count(*), sum(discount) FROM '{orders}' GROUP BY qty % 5

-- name: group-by-date
SELECT orderDate, count(*) FROM '{orders}' WHERE orderDate < DATE '2018-03-01' GROUP BY orderDate

-- name: group-by-not-selected
SELECT count(*), sum(amount) FROM '{orders}' GROUP BY customer

-- name: count-distinct
SELECT country, count(DISTINCT customer), count(DISTINCT note), count(note) FROM '{orders}' GROUP BY country

-- name: count-distinct-global
SELECT count(DISTINCT customer), count(DISTINCT qty), count(DISTINCT orderDate) FROM '{orders}'

-- name: sum-double
SELECT country, sum(discount), avg(discount) FROM '{orders}' GROUP BY country

-- name: aggregate-expressions
SELECT country, sum(amount * qty) AS gross, sum(amount) / count(*) AS mean, max(qty) - min(qty) AS spread FROM '{orders}' GROUP BY country

-- name: aggregate-over-expression-of-group
SELECT upper(country) AS c, count(*) AS n FROM '{orders}' GROUP BY country

-- name: group-by-input-column-before-alias
SELECT upper(country) AS country, count(*) AS n FROM '{orders}' GROUP BY country

-- name: group-by-input-column-before-alias-json
SELECT upper(country) AS country, count(*) AS n FROM '{orders_json}' GROUP BY country

-- name: group-by-input-column-before-alias-json-case
SELECT upper(country) AS COUNTRY, count(*) AS n FROM '{orders_json}' GROUP BY Country

-- name: json-key-case
SELECT Country, count(*) AS n, sum(AMOUNT) FROM '{orders_json}' GROUP BY Country

-- name: group-by-input-column-before-alias-dir
SELECT upper(country) AS Country, count(*) AS n FROM '{orders_dir}' GROUP BY COUNTRY ORDER BY n, 1

-- name: group-by-alias-without-input-column
SELECT upper(country) AS up, count(*) AS n FROM '{orders}' GROUP BY up

-- name: having
SELECT customer, count(*) AS n, sum(amount) AS total FROM '{orders}' GROUP BY customer HAVING count(*) > 95

-- name: having-aggregate-not-selected
SELECT country FROM '{orders}' GROUP BY country HAVING avg(qty) > 19.5

-- name: where-number-in-quotes
SELECT id, qty, amount FROM '{orders}' WHERE qty >= '15' AND id < '2000' AND amount > '100.5' AND qty NOT IN ('17', '18')

-- name: having-alias
SELECT customer, count(*) AS n, sum(amount) AS total FROM '{orders}' GROUP BY customer HAVING n > 95 AND total > 0

-- name: having-alias-of-input-column-name
SELECT country, count(*) AS qty FROM '{orders}' GROUP BY country HAVING qty + 1 > 10

-- name: having-group-key-before-alias
SELECT count(*) AS country FROM '{orders}' GROUP BY country HAVING country IS NOT NULL

-- name: order-by-alias-in-expression-plain
SELECT id AS k, qty FROM '{orders}' ORDER BY -k

-- name: order-by-input-column-before-alias-plain
SELECT qty AS id, customer FROM '{orders}' ORDER BY -id

-- name: order-by-alias-expression
SELECT country, count(*) AS n FROM '{orders}' GROUP BY country ORDER BY -n, country

-- name: order-by-number-desc
SELECT id, amount FROM '{orders}' ORDER BY amount DESC, id

-- name: order-by-string
SELECT id, customer FROM '{orders}' ORDER BY customer, id

-- name: order-by-nulls-default
SELECT id, qty FROM '{orders}' ORDER BY qty DESC, id

-- name: order-by-nulls-first
SELECT id, country FROM '{orders}' ORDER BY country NULLS FIRST, id DESC

-- name: order-by-date-limit
SELECT id, orderDate FROM '{orders}' WHERE orderDate IS NOT NULL ORDER BY orderDate DESC, id LIMIT 20

-- name: order-by-expression-limit
SELECT id, amount * qty AS g FROM '{orders}' ORDER BY amount * qty, id LIMIT 7

-- name: order-by-alias
SELECT id, length(customer) AS n FROM '{orders}' ORDER BY n DESC, id LIMIT 30

-- name: order-by-position
SELECT customer, id FROM '{orders}' WHERE id < 500 ORDER BY 1 DESC, 2

-- name: order-by-not-selected
SELECT id FROM '{orders}' ORDER BY discount DESC, id LIMIT 12

-- name: limit-input-order
SELECT id, customer FROM '{orders}' LIMIT 25

-- name: limit-filter
SELECT id FROM '{orders}' WHERE country = 'GBR' LIMIT 10

-- name: limit-zero
SELECT id FROM '{orders}' LIMIT 0

-- name: aggregate-order-limit
SELECT customer, sum(amount) AS total FROM '{orders}' GROUP BY customer ORDER BY total DESC LIMIT 5

-- name: aggregate-order-by-count
SELECT country, count(*) FROM '{orders}' GROUP BY country ORDER BY count(*) DESC, country

-- name: aggregate-order-by-key
SELECT qty, count(*) AS n FROM '{orders}' GROUP BY qty ORDER BY qty NULLS FIRST

-- name: distinct-order-limit
SELECT DISTINCT customer FROM '{orders}' ORDER BY customer DESC LIMIT 6

-- name: qualified-alias
SELECT o.id, o.amount FROM '{orders}' AS o WHERE o.qty = 7

-- name: quoted-identifier
SELECT "id", "orderDate" AS "the date" FROM '{orders}' WHERE "qty" = 3

-- name: case-insensitive-columns
SELECT ID, Customer FROM '{orders}' WHERE QTY = 8

-- name: constants
SELECT 1 + 2 AS three, 'x' AS s, 2.50 * 2 AS d, DATE '2020-02-28' + 1 AS next, 7 / 2 AS h FROM '{orders}' LIMIT 3

-- name: directory-scan
SELECT id, country FROM '{orders_dir}' WHERE qty = 30

-- name: directory-aggregate
SELECT country, count(*), sum(amount) FROM '{orders_dir}' GROUP BY country

-- name: directory-order
SELECT id, amount FROM '{orders_dir}' ORDER BY amount, id LIMIT 15

-- name: schema-decimal
-- schema: amount:DECIMAL(10,2),qty:BIGINT
SELECT country, sum(amount), min(amount), max(amount), avg(amount), sum(qty) FROM '{orders}' GROUP BY country

-- name: schema-decimal-scan
-- schema: amount:DECIMAL(12,3)
SELECT id, amount, amount * 2 AS twice FROM '{orders}' WHERE amount > 1750

-- name: schema-double
-- schema: amount:DOUBLE
SELECT id, amount FROM '{orders}' WHERE amount BETWEEN 100 AND 120

-- name: schema-varchar
-- schema: qty:VARCHAR
SELECT qty, count(*) FROM '{orders}' GROUP BY qty

-- name: schema-varchar-order
-- schema: qty:VARCHAR
SELECT DISTINCT qty FROM '{orders}' ORDER BY qty

-- name: schema-date
-- schema: orderDate:DATE
SELECT orderDate - DATE '2018-01-01' AS days, id FROM '{orders}' WHERE orderDate < DATE '2018-01-15'

-- name: json-scan
SELECT id, customer, amount FROM '{orders_json}' WHERE amount > 1700

-- name: json-null
SELECT count(*), count(customer), count(amount), count(flag) FROM '{orders_json}'

-- name: json-aggregate
SELECT country, count(*), sum(amount), avg(qty) FROM '{orders_json}' GROUP BY country

-- name: json-order
SELECT id, customer FROM '{orders_json}' WHERE customer IS NOT NULL ORDER BY customer DESC, id LIMIT 9

-- name: bdb-scan
SELECT sourceIP, adRevenue FROM '{visits}' WHERE adRevenue > 900

-- name: bdb-aggregate
SELECT substr(sourceIP, 1, 7) AS prefix, sum(adRevenue) FROM '{visits}' GROUP BY substr(sourceIP, 1, 7)

-- name: bdb-date-range
SELECT sourceIP, sum(adRevenue) AS totalRevenue, avg(duration) AS avgDuration FROM '{visits}' WHERE visitDate BETWEEN DATE '1980-01-01' AND DATE '1980-04-01' GROUP BY sourceIP ORDER BY totalRevenue DESC LIMIT 1

-- name: bdb-user-question
SELECT countryCode, count(*) AS visits, sum(adRevenue) AS revenue FROM '{visits}' WHERE adRevenue > 100 AND countryCode IN ('USA', 'DEU') AND visitDate >= DATE '2001-01-01' GROUP BY countryCode ORDER BY countryCode

-- name: bdb-like-agent
SELECT count(*) FROM '{visits}' WHERE userAgent LIKE 'Mozilla%' AND languageCode <> 'en-US'

-- WHERE clauses over several columns, compiled on the records' fields
-- (docs/sql.md): the issue's "revenue over 100 from the US in 2021" (the
-- generated visits span 1980-2009, so also in 2001), with NULLs, typed
-- columns and a grouping fed from the fields.

-- name: where3-issue-example-2021-zero
SELECT sourceIP, adRevenue, visitDate FROM '{visits}' WHERE adRevenue > 100 AND countryCode = 'USA' AND visitDate BETWEEN DATE '2021-01-01' AND DATE '2021-12-31'

-- name: where3-revenue-us-2001
SELECT sourceIP, adRevenue, visitDate FROM '{visits}' WHERE adRevenue > 100 AND countryCode = 'USA' AND visitDate BETWEEN DATE '2001-01-01' AND DATE '2001-12-31'

-- name: where3-group-prefix
SELECT substr(sourceIP, 1, 3) AS p, count(*), sum(adRevenue) FROM '{visits}' WHERE (countryCode IN ('DEU', 'FRA') OR languageCode LIKE 'en%') AND duration <= 10 AND NOT visitDate < DATE '1995-06-01' GROUP BY p

-- name: where3-nulls
SELECT id, customer, amount, qty, orderDate FROM '{orders}' WHERE (amount > 500 OR qty IS NULL) AND country IN ('USA', 'DEU', 'JPN') AND NOT (orderDate BETWEEN DATE '2020-01-01' AND DATE '2021-12-31')

-- name: where3-typed
-- schema: amount:DECIMAL(10,2),qty:BIGINT,orderDate:DATE
SELECT id, amount, qty FROM '{orders}' WHERE amount BETWEEN 100 AND 200.5 AND qty > 10 OR orderDate IS NULL AND customer LIKE 'A%' OR 1999.99 < amount

-- name: where3-json
SELECT id, amount FROM '{orders_json}' WHERE amount > 1000 AND (qty < 0 OR discount IS NULL) AND country <> 'USA'

-- name: schemafile-aggregate
SELECT country, sum(amount), min(amount), max(amount), avg(amount), min(qty), max(qty), min(orderDate), max(discount) FROM '{orders_typed}' GROUP BY country

-- name: schemafile-filter
SELECT id, amount, qty, orderDate FROM '{orders_typed}' WHERE orderDate BETWEEN DATE '2018-03-01' AND DATE '2018-03-31' AND amount > 100 AND flag

-- name: schemafile-order
SELECT id, discount, amount FROM '{orders_typed}' WHERE qty IS NOT NULL ORDER BY discount DESC, amount, id LIMIT 25

-- name: schemafile-arith
SELECT flag, sum(amount * discount) AS total, count(DISTINCT orderDate) AS days FROM '{orders_typed}' GROUP BY flag

-- name: schemafile-varchar-order
SELECT DISTINCT qty FROM '{orders_typed}' WHERE qty IS NOT NULL ORDER BY qty DESC LIMIT 30

-- name: sort-ties-one-key
-- keys: 1
SELECT country, id, amount FROM '{orders}' ORDER BY country DESC NULLS FIRST

-- name: sort-ties-two-keys
-- keys: 1,2
SELECT qty, flag, id, customer FROM '{orders}' ORDER BY qty DESC NULLS LAST, flag

-- name: sort-ties-nulls-first-date-desc
-- keys: 1,2
SELECT discount, orderDate, id FROM '{orders}' ORDER BY discount NULLS FIRST, orderDate DESC

-- name: sort-ties-aggregate
-- keys: 3
SELECT country, flag, count(*) AS n FROM '{orders}' GROUP BY country, flag ORDER BY n DESC

-- name: sort-ties-expression
-- keys: 1
SELECT substr(customer, 1, 1) AS c, id FROM '{orders_dir}' ORDER BY c NULLS FIRST

-- name: full-sort-typed-decimal-desc
SELECT id, amount, discount FROM '{orders_typed}' ORDER BY amount DESC NULLS FIRST, id

-- name: full-sort-date-nulls-first
SELECT orderDate, id, customer FROM '{orders}' ORDER BY orderDate NULLS FIRST, id DESC

-- name: full-sort-expression
SELECT id, amount * qty AS g, lower(customer) AS c FROM '{orders}' WHERE qty IS NOT NULL ORDER BY g DESC, c, id

-- name: full-sort-json
SELECT id, customer, amount FROM '{orders_json}' ORDER BY customer NULLS FIRST, amount DESC, id

-- name: full-sort-visits-revenue
SELECT sourceIP, destURL, adRevenue FROM '{visits}' WHERE duration > 3 ORDER BY adRevenue DESC, sourceIP, destURL

-- name: full-sort-visits-ties
-- keys: 1,2
SELECT countryCode, visitDate, sourceIP FROM '{visits}' ORDER BY countryCode, visitDate DESC

-- name: full-sort-dir-schema
-- schema: qty:BIGINT,flag:BOOLEAN
SELECT qty, flag, id FROM '{orders_dir}' ORDER BY flag DESC NULLS LAST, qty NULLS FIRST, id

-- name: full-sort-star
SELECT * FROM '{orders}' ORDER BY amount DESC, id

-- name: full-sort-star-ties
-- keys: 3
SELECT * FROM '{orders_dir}' WHERE qty > 20 ORDER BY country NULLS FIRST

-- name: full-sort-star-json
SELECT * FROM '{orders_json}' ORDER BY customer, id DESC

-- name: full-sort-star-schema
-- schema: amount:DECIMAL(10,2),orderDate:DATE
SELECT *, amount * 2 AS twice FROM '{orders}' WHERE orderDate IS NOT NULL ORDER BY orderDate DESC, id

-- name: scan-star-where
SELECT * FROM '{orders_dir}' WHERE qty > 20 AND country <> 'USA'

-- name: group-sort-having
SELECT customer, sum(amount) AS total, count(*) AS n FROM '{orders}' GROUP BY customer HAVING count(*) > 1 ORDER BY total DESC, customer

-- name: group-sort-many-groups
-- keys: 2
SELECT id % 997 AS bucket, count(*) AS n, max(qty) AS q FROM '{orders_dir}' GROUP BY bucket ORDER BY n DESC NULLS FIRST

-- name: group-sort-typed-avg
SELECT orderDate, avg(amount) AS a, count(DISTINCT country) AS c FROM '{orders_typed}' WHERE orderDate IS NOT NULL GROUP BY orderDate ORDER BY a, orderDate DESC

-- name: scan-star-where-json
SELECT * FROM '{orders_json}' WHERE amount > 500 AND country <> 'USA'

-- TIMESTAMP: literals, CAST, comparisons with timestamps and with dates,
-- min/max, GROUP BY and ORDER BY of a timestamp, untyped (the column's
-- text, compared as a timestamp with a timestamp) and typed by the schema.

-- name: ts-untyped-compare-literal
SELECT id, ts FROM '{events}' WHERE ts >= TIMESTAMP '2020-01-03 12:00:00' AND ts < TIMESTAMP '2020-01-04 00:00:00.5'

-- name: ts-typed-compare-literal
-- schema: ts:TIMESTAMP
SELECT id, ts FROM '{events}' WHERE ts BETWEEN TIMESTAMP '2020-01-03 12:00:00' AND '2020-01-04 00:00:00.25'

-- name: ts-typed-compare-date
-- schema: ts:TIMESTAMP,day:DATE
SELECT id, ts, day FROM '{events}' WHERE ts < DATE '2019-12-30' OR ts >= day + 3

-- name: ts-untyped-compare-date
SELECT count(*) FROM '{events}' WHERE CAST(ts AS TIMESTAMP) >= DATE '2020-01-02'

-- name: ts-cast
SELECT id, CAST(ts AS TIMESTAMP), CAST(ts AS DATE), CAST(CAST(ts AS TIMESTAMP) AS VARCHAR), TIMESTAMP '2020-01-01 10:00:00.5', CAST(day AS TIMESTAMP) FROM '{events}' WHERE id <= 40

-- name: ts-typed-min-max
-- schema: ts:TIMESTAMP
SELECT "group", min(ts), max(ts), count(ts), count(DISTINCT ts) FROM '{events}' GROUP BY "group"

-- name: ts-untyped-min-max
SELECT min(ts), max(ts), min(CAST(ts AS TIMESTAMP)) FROM '{events}'

-- name: ts-typed-group-by
-- schema: ts:TIMESTAMP
SELECT ts, count(*) AS n, sum("order") FROM '{events}' GROUP BY ts

-- name: ts-group-by-day-order
-- schema: ts:TIMESTAMP
-- keys: 1
SELECT CAST(ts AS DATE) AS d, count(*) AS n, max(ts) FROM '{events}' GROUP BY CAST(ts AS DATE) ORDER BY d DESC

-- name: ts-typed-order-by
-- schema: ts:TIMESTAMP
-- keys: 1
SELECT ts, id FROM '{events}' WHERE "order" > 30 ORDER BY ts DESC NULLS FIRST

-- name: ts-typed-order-by-limit
-- schema: ts:TIMESTAMP
-- keys: 1
SELECT ts FROM '{events}' ORDER BY ts LIMIT 7

-- Columns named by SQL keywords, quoted; DuckDB's names in the header.

-- name: keyword-columns-star
SELECT * FROM '{events}' WHERE "order" = 7

-- name: keyword-columns-expressions
SELECT "select", "order" + 1, upper("group"), trim("select"), t."order" * 2 FROM '{events}' t WHERE "select" LIKE 'b%' AND "order" IS NOT NULL

-- name: keyword-columns-group
SELECT "group", "select", count(*), sum("order"), max("order") AS "order" FROM '{events}' GROUP BY "group", "select" ORDER BY "group", "select"

-- Numbers in quotes written otherwise than this dialect writes them, which
-- DuckDB casts to the type it reads the column as (BIGINT here).

-- name: quoted-number-plus
SELECT id, qty FROM '{orders}' WHERE qty >= '+45'

-- name: quoted-number-point
SELECT count(*) FROM '{orders}' WHERE qty < '.5' AND qty > '-5.'

-- name: quoted-number-negative-zero
SELECT count(*) FROM '{orders}' WHERE qty = '-0' OR qty IN ('+1', '-.0')

-- An untyped column whose texts have a time, against a DATE: a TIMESTAMP
-- against the date's midnight, as DuckDB compares the column it reads as
-- TIMESTAMP (2019-12-28 10:00:00 is after DATE '2019-12-28', not equal).

-- name: ts-untyped-date-range
SELECT id, ts FROM '{events}' WHERE ts > DATE '2020-01-02' AND ts <= DATE '2020-01-03'

-- name: ts-untyped-equal-date
SELECT count(*), count(ts) FROM '{events}' WHERE ts = DATE '2019-12-28'

-- name: ts-untyped-between-dates
SELECT "group", count(*) FROM '{events}' WHERE ts BETWEEN DATE '2019-12-28' AND DATE '2019-12-29' AND ts <> DATE '2019-12-28' GROUP BY "group"

-- A GROUP BY of count(*) and counts, sums and avgs of one column keeps its
-- states in the key table's entries (sql.Program.OneColumn); a column with
-- NULLs, groups with no value, and plans beside them that are not
-- OneColumn (two columns, count(DISTINCT), sums of expressions, typed
-- DECIMAL and DOUBLE columns).

-- name: sums-one-column-nulls
SELECT "group", count(*), count("order"), sum("order"), avg("order") FROM '{events}' GROUP BY "group"

-- name: sums-one-column-no-value
SELECT "select", count(*), sum("order"), avg("order"), count("order") FROM '{events}' WHERE "order" IS NULL OR "order" > 33 GROUP BY "select"

-- name: sums-two-columns
SELECT "group", sum("order"), count(id), avg(id) FROM '{events}' GROUP BY "group"

-- name: sums-distinct-and-expressions
SELECT "group", sum("order"), count(DISTINCT "order"), sum("order" * 2), avg("order" + 0.5) FROM '{events}' GROUP BY "group"

-- name: sums-typed-decimal
-- schema: order:DECIMAL(6,1)
SELECT "group", sum("order"), avg("order"), count("order"), count(*) FROM '{events}' GROUP BY "group"

-- name: sums-typed-double
-- schema: order:DOUBLE
SELECT "select", sum("order"), avg("order"), count(*) FROM '{events}' GROUP BY "select"

-- name: keyword-alias-shadows-column-order-by
SELECT "group", sum("order") AS "order" FROM '{events}' GROUP BY "group" ORDER BY "order" DESC

-- A string literal compared with a typed column is cast to the column's
-- type, as DuckDB casts it: '25.5' against a BIGINT is 26 (half away from
-- zero), '1117.385' against a DECIMAL(10,2) is 1117.39; in =, <, BETWEEN
-- and IN alike. Against an untyped column, a string that reads as a date
-- compares as a date (as DuckDB compares the column it sniffs as DATE or
-- TIMESTAMP), one that reads as a boolean as a boolean (docs/sql.md).

-- name: literal-bigint-rounds-eq
-- schema: qty:BIGINT
SELECT id, qty FROM '{orders}' WHERE qty = '25.5'

-- name: literal-bigint-rounds-range
-- schema: id:BIGINT,qty:BIGINT
SELECT id, qty FROM '{orders}' WHERE id > '99.5' AND id <= '120.5' OR qty < '-4.5' AND id < 300

-- name: literal-bigint-rounds-between-in
-- schema: qty:BIGINT
SELECT id, qty FROM '{orders}' WHERE qty BETWEEN '9.5' AND '11.4' OR qty IN ('2.5', '-7.5')

-- name: literal-decimal-rounds
-- schema: amount:DECIMAL(10,2)
SELECT id, amount FROM '{orders}' WHERE amount = '1117.385' OR amount IN ('755.975', '-13.335') OR amount BETWEEN '1000.005' AND '1003.004'

-- name: literal-double
-- schema: discount:DOUBLE
SELECT id, discount FROM '{orders}' WHERE discount = '0.268' OR discount BETWEEN '1e-3' AND ' 0.005 '

-- name: literal-date-typed-forms
-- schema: orderDate:DATE
SELECT id, orderDate FROM '{orders}' WHERE orderDate BETWEEN '2021/02/01' AND '2021-2-28 23:00:00' OR orderDate IN ('2018-3-11', '2023 06 07')

-- name: literal-timestamp-typed
-- schema: ts:TIMESTAMP
SELECT id, ts FROM '{events}' WHERE ts >= '2020/01/03' AND ts < '2020-01-03T12:00' OR ts = '2019-12-28'

-- name: literal-boolean-typed
-- schema: flag:BOOLEAN
SELECT id, flag FROM '{orders}' WHERE flag = 'yes' AND id < 200 OR flag IN ('f') AND id > 1900

-- name: literal-date-untyped
SELECT id, orderDate FROM '{orders}' WHERE orderDate >= '2023-12-01' OR orderDate BETWEEN '2021/02/01' AND '2021-2-3'

-- name: literal-date-untyped-in
SELECT id, orderDate FROM '{orders}' WHERE orderDate IN ('2021-2-10', '2018/03/11', ' 2023-06-07') OR orderDate < '2018-1-5'

-- name: literal-timestamp-untyped
SELECT id, ts FROM '{events}' WHERE ts BETWEEN '2020/01/03' AND '2020-1-3T12:00' OR ts = '2019-12-28' OR day = '2020/1/2' AND id < 100

-- name: literal-boolean-untyped
SELECT id, flag FROM '{orders}' WHERE flag = 't' AND id < 100 OR flag IN ('NO') AND id > 1900
