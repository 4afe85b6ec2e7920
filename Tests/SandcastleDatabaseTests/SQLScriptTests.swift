import Foundation
import Testing

@testable import SandcastleDatabase

@Suite("SQL scripts and admin URLs")
struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesAndComments() throws {
        let script = """
            -- leading comment; not a statement
            CREATE TABLE a (x text); /* block; comment /* nested; */ still */
            INSERT INTO a VALUES ('it''s; fine'), (E'back\\'slash; ok');
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
            SELECT "weird;name" FROM a WHERE x = $$;$$
            """
        let statements = try SQLScript.statements(script)
        #expect(statements.map(\.line) == [2, 3, 4, 5])
        #expect(statements[1].text == "INSERT INTO a VALUES ('it''s; fine'), (E'back\\'slash; ok')")
        #expect(statements[2].text.hasSuffix("$body$ SELECT 1; $body$"))
        #expect(statements[3].text == "SELECT \"weird;name\" FROM a WHERE x = $$;$$")
    }

    @Test func refusesWhatCannotBeSentStatementByStatement() {
        #expect(throws: SQLScript.Unsupported.self) { try SQLScript.statements("COPY items FROM stdin;\n1\tx\n\\.\n") }
        #expect(throws: SQLScript.Unsupported.self) { try SQLScript.statements("\\connect other\nSELECT 1;") }
    }

    @Test func adminURLs() throws {
        let admin = try PostgresAdmin(url: "postgres://admin:s%40cret@db.internal:6543/app?sslmode=require")
        #expect(admin.host == "db.internal" && admin.port == 6543 && admin.user == "admin" && admin.password == "s@cret")
        #expect(admin.database == "app" && admin.requireTLS)
        #expect(!admin.description.contains("cret"))
        #expect(throws: DatabaseError.self) { try PostgresAdmin(url: "mysql://x@y/z") }
        #expect(throws: DatabaseError.self) { try PostgresAdmin(url: "postgres:///nohost") }
    }

    @Test func seedPathsStayInsideTheRepository() throws {
        #expect(throws: DatabaseError.self) { try SeedSource.load(path: "../etc/passwd", repositoryRoot: "/tmp") }
        #expect(throws: DatabaseError.self) { try SeedSource.load(path: "missing.sql", repositoryRoot: "/tmp") }
    }
}
