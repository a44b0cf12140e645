import Testing
@testable import StewardCore

/// `EnvFileParser` against systemd's `load_env_file` (src/basic/env-file.c): each row is a file and the environment
/// systemd gives the unit from it.
@Suite struct EnvFileSystemdTests {
    static let pem = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj
        MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu
        NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ
        Aa0u9Pca4zY=
        -----END PRIVATE KEY-----
        """

    static let table: [(file: String, env: [String: String], comment: Comment)] = [
        ("A=1\nB=two words\n", ["A": "1", "B": "two words"], "plain"),
        ("  A = 1  \n", ["A": "1"], "blanks around key and value dropped"),
        ("A='x y'\n", ["A": "x y"], "single quotes"),
        ("A=\"x y\"\n", ["A": "x y"], "double quotes"),
        ("A=\"x\"'y'z\n", ["A": "xyz"], "quoted pieces concatenate"),
        ("A='a\nb=c'\nD=1\n", ["A": "a\nb=c", "D": "1"], "single-quoted value across lines"),
        ("A=\"a\nB=c\"\n", ["A": "a\nB=c"], "double-quoted value across lines: B is not a key"),
        ("A=\"q\\\"u\\\\o\\$t\\`e\\n\"\n", ["A": "q\"u\\o$t`e\\n"], "double-quote escapes: \\n stays"),
        ("A='no \\\" escapes'\n", ["A": "no \\\" escapes"], "single quotes keep backslashes"),
        ("A=one\\\ntwo\n", ["A": "onetwo"], "backslash continues an unquoted value"),
        ("A=\"one\\\ntwo\"\n", ["A": "onetwo"], "backslash-newline in double quotes is eaten"),
        ("A=x\\ y\\#z\n", ["A": "x y#z"], "unquoted backslash escapes"),
        ("A=x # not a comment\n", ["A": "x # not a comment"], "# after a value is part of it"),
        ("# A=1\n; B=2\n  #C=3\n", [:], "comments with # and ;"),
        ("# comment \\\nA=1\n", ["A": "1"], "a comment's trailing backslash does not continue it (systemd 254+)"),
        ("export A=1\nB=2\n", ["B": "2"], "no export: `export A` is an invalid name systemd drops"),
        ("1A=x\nA-B=y\nA.B=z\n_ok=1\n", ["_ok": "1"], "invalid names dropped"),
        ("JUSTAKEY\nA=1\n", ["A": "1"], "a line without = is ignored"),
        ("A=\nB=\"\"\n", ["A": "", "B": ""], "empty values"),
        ("A=1\nA=2\n", ["A": "2"], "the last assignment wins"),
        ("A=\"unterminated\nB=2\n", ["A": "unterminated\nB=2\n"], "an unterminated quote runs to the end"),
        ("A=1\r\nB=2\r\n", ["A": "1", "B": "2"], "CRLF"),
        ("A=x\0B=y\n", ["A": "x"], "a NUL ends the file as for systemd's C string"),
        ("A=1", ["A": "1"], "no final newline"),
    ]

    @Test(arguments: table.indices) func parsesLikeSystemd(_ i: Int) {
        let row = Self.table[i]
        var env: [String: String] = [:]
        for (k, v) in EnvFileParser.parse(row.file) { env[k] = v }
        #expect(env == row.env, row.comment)
    }

    /// The seed's bug: the base64 body of a quoted PEM key has lines ending in `=`; each became a "key" and its text
    /// was printed as a key name in the audit.
    @Test func aMultiLineQuotedSecretNeverYieldsKeys() {
        for quote in ["\"", "'"] {
            let file = "DEBUG=0\nTLS_KEY=\(quote)\(Self.pem)\(quote)\nPORT=8000\n"
            let pairs = EnvFileParser.parse(file)
            #expect(pairs.map(\.key) == ["DEBUG", "TLS_KEY", "PORT"])
            #expect(pairs.first { $0.key == "TLS_KEY" }?.value == Self.pem)
            for (key, _) in EnvFileParser.parseAll(file) {
                #expect(!Self.pem.contains(key), "a line of the PEM became the key \(key)")
            }
        }
    }

    @Test func validNames() {
        #expect(EnvFileParser.isValidName("DATABASE_URL"))
        #expect(EnvFileParser.isValidName("_x1"))
        #expect(!EnvFileParser.isValidName("1X"))
        #expect(!EnvFileParser.isValidName("export X"))
        #expect(!EnvFileParser.isValidName(""))
        #expect(!EnvFileParser.isValidName("É"))
    }
}
