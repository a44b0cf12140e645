import Foundation

/// Rules about env files and app directories: who can read them, and what the values give away.
/// Values are judged here and never quoted: evidence names keys, never what they hold.
enum FileRules {
    static let all = [envfilePermissions, secretsInEnvfile, defaultCredentials, debugInProduction, appDirPermissions]

    /// Env files with the instances that use them, in path order.
    static func envFiles(_ ctx: AuditContext) -> [(EnvFileFacts, [Inventory.Instance])] {
        var users: [String: [Inventory.Instance]] = [:]
        for instance in ctx.inventory.instances {
            for ref in ctx.facts.unit(instance.unit)?.environmentFiles ?? [] { users[ref.path, default: []].append(instance) }
        }
        return ctx.facts.envFiles.filter { $0.exists && users[$0.path] != nil }.map { ($0, users[$0.path]!) }
    }

    static let envfilePermissions: Rule = Rule(
        id: "files.envfile-permissions", severity: .critical,
        rationale: "Env files hold credentials; anyone who can read them can act as the app."
    ) { ctx in
        envFiles(ctx).compactMap { file, instances in
            let otherAccess = file.mode & 0o007 != 0
            let groupAccess = file.mode & 0o070 != 0
            // Group= when set; otherwise the user's own group, which by convention carries the user's name.
            let serviceGroups = Set(instances.compactMap { ctx.facts.unit($0.unit) }.map { $0.group.isEmpty ? $0.user : $0.group }.filter { !$0.isEmpty })
            // root:<service group> 0640 is the documented way to let a service read its own file: accepted.
            let groupIsService = serviceGroups.contains(file.group) && file.mode & 0o020 == 0
            guard otherAccess || (groupAccess && !groupIsService) else { return nil }
            return envfilePermissions.finding(
                otherAccess ? .critical : .warning,
                subject: file.path,
                summary: "\(file.path) is \(otherAccess ? "readable or writable by every user" : "open to group \(file.group)")",
                evidence: ["\(file.symbolicMode) \(file.owner):\(file.group) (\(file.modeString))", "used by \(instances.map(\.label).joined(separator: ", "))"],
                fix: "`chown root:root \(file.path) && chmod 0600 \(file.path)` (systemd reads it as root before dropping privileges).")
        }
    }

    static let secretsInEnvfile: Rule = Rule(
        id: "files.secrets-in-envfile", severity: .info,
        rationale: "Plaintext credentials in env files end up in backups, copies and screenshots; a secret store limits that."
    ) { ctx in
        envFiles(ctx).compactMap { file, _ in
            let keys = file.keys.filter { key in
                Redactor.isSecretName(key) || (file.values[key].map { Redactor.scrubURLCredentials($0.revealedForAnalysis) != $0.revealedForAnalysis } ?? false)
            }
            guard !keys.isEmpty else { return nil }
            return secretsInEnvfile.finding(
                subject: file.path,
                summary: "\(file.path) holds \(keys.count) secret(s) in plaintext: \(Format.list(keys))",
                evidence: keys.map { "\($0)=\(Secret.mask)" } + ["\(file.symbolicMode) \(file.owner):\(file.group)"],
                fix: "Keep the file 0600 root:root, or move the values to systemd credentials (`LoadCredentialEncrypted=` with `systemd-creds encrypt`) or a secret manager, and rotate any value that was ever shared.")
        }
    }

    /// Values that ship as examples and defaults; finding one in use means nobody changed it.
    static let defaultValues: Set<String> = [
        "admin", "changeme", "change-me", "change_me", "admin_dev", "password", "secret", "123456", "12345678",
        "root", "test", "default", "letmein", "postgres", "pass", "qwerty", "dev", "example", "your-secret-key",
        "supersecret", "mysecretpassword",
    ]

    static func isDefault(_ value: String) -> Bool {
        let v = value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")).lowercased()
        return defaultValues.contains(v) || v.hasPrefix("django-insecure-") || v.hasPrefix("changeme")
    }

    /// The keys of an env file whose values are well-known defaults (never the values): a secret-named key, a URL's
    /// password, or `admin` as the user beside a default password.
    static func defaultCredentialKeys(_ file: EnvFileFacts) -> [String] {
        file.keys.filter { key in
            guard let value = file.values[key]?.revealedForAnalysis else { return false }
            let upper = key.uppercased()
            if upper.hasSuffix("_USER") || upper.hasSuffix("USERNAME") {
                return value == "admin" && file.keys.contains { Redactor.isSecretName($0) && isDefault(file.values[$0]?.revealedForAnalysis ?? "") }
            }
            if Redactor.isSecretName(key) {
                if isPasswordName(upper) && isDevPassword(value) { return true }
                return isDefault(value) || Redactor.urlPassword(value).map { isDefault($0) || isDevPassword($0) } == true
            }
            // postgres://user:changeme@host/db
            if let password = Redactor.urlPassword(value) { return isDefault(password) || isDevPassword(password) }
            return false
        }
    }

    static func isPasswordName(_ upper: String) -> Bool { upper.contains("PASSWORD") || upper.hasSuffix("_PASS") || upper.hasSuffix("PWD") }

    /// `admin_dev`, `iot_dev`: a README's development password (seed 003's `.env`): one short lower-case word and `_dev`.
    static func isDevPassword(_ value: String) -> Bool {
        let v = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        guard v.hasSuffix("_dev") || v.hasSuffix("-dev") else { return false }
        let word = v.dropLast(4)
        return !word.isEmpty && word.count <= 12 && word.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "_") }
    }

    static let defaultCredentials: Rule = Rule(
        id: "files.default-credentials", severity: .critical,
        rationale: "Well-known default passwords and keys are the first thing an attacker tries."
    ) { ctx in
        envFiles(ctx).compactMap { file, instances in
            let keys = defaultCredentialKeys(file)
            guard !keys.isEmpty else { return nil }
            let production = instances.contains(where: \.production)
            return defaultCredentials.finding(
                production ? .critical : .warning,
                subject: file.path,
                summary: "\(file.path) uses a well-known default value for \(Format.list(keys))",
                evidence: keys.map { "\($0) is set to a well-known default (value not shown)" },
                fix: "Generate a new value (`openssl rand -base64 32`), set it where the credential is checked (database `ALTER ROLE … PASSWORD`, app admin user), update \(file.path), then restart \(instances.map(\.unit).joined(separator: " ")).")
        }
    }

    static let debugKeys: [String: Set<String>] = [
        "DEBUG": ["1", "true", "yes", "on"], "DJANGO_DEBUG": ["1", "true", "yes", "on"], "FLASK_DEBUG": ["1", "true", "yes", "on"],
        "FLASK_ENV": ["development"], "APP_ENV": ["development", "dev"], "ENVIRONMENT": ["development", "dev"],
        "STREAMLIT_GLOBAL_DEVELOPMENT_MODE": ["1", "true"],
    ]

    static let debugInProduction: Rule = Rule(
        id: "files.debug-in-production", severity: .critical,
        rationale: "Debug mode in production shows stack traces and settings to any visitor and slows the app."
    ) { ctx in
        ctx.inventory.apps.filter(\.production).compactMap { instance in
            guard let unit = ctx.facts.unit(instance.unit) else { return nil }
            var evidence: [String] = []
            for ref in unit.environmentFiles {
                guard let file = ctx.facts.envFile(ref.path) else { continue }
                for key in file.keys {
                    if let truthy = debugKeys[key.uppercased()], let v = file.values[key]?.revealedForAnalysis,
                       truthy.contains(v.trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")).lowercased()) {
                        evidence.append("\(key)=\(v.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))) in \(file.path)")
                    }
                }
            }
            for (key, value) in unit.environment {
                if let truthy = debugKeys[key.uppercased()], truthy.contains(value.revealedForAnalysis.lowercased()) {
                    evidence.append("Environment=\(key)=\(value.revealedForAnalysis) in \(unit.unitFileName)")
                }
            }
            if unit.execStart.contains("--reload") { evidence.append("ExecStart uses --reload (a development server option)") }
            if unit.execStart.contains("runserver") { evidence.append("ExecStart runs Django's development server (runserver)") }
            guard !evidence.isEmpty else { return nil }
            return debugInProduction.finding(
                subject: instance.label,
                summary: "Production instance \(instance.label) runs in debug/development mode",
                evidence: evidence,
                fix: "Set DEBUG=False (and FLASK_ENV=production) in its env file, drop --reload/runserver from ExecStart (use gunicorn/uvicorn workers), then `systemctl restart \(instance.unit)`.")
        }
    }

    static let appDirPermissions: Rule = Rule(
        id: "files.app-dir-permissions", severity: .critical,
        rationale: "A world-writable app directory, or one the service user does not own, lets others change the code that runs."
    ) { ctx in
        var seen = Set<String>()
        return ctx.inventory.apps.compactMap { instance in
            guard let path = instance.workingDirectory, seen.insert(path).inserted,
                  let dir = ctx.facts.appDir(path), dir.exists, let unit = ctx.facts.unit(instance.unit) else { return nil }
            var evidence: [String] = []
            let user = unit.runsAsRoot ? "root" : unit.user
            if dir.isWorldWritable { evidence.append("\(path) is world-writable (\(dir.modeString))") }
            if dir.owner != user && dir.owner != "root" { evidence.append("\(path) is owned by \(dir.owner), the service runs as \(user)") }
            guard !evidence.isEmpty else { return nil }
            return appDirPermissions.finding(
                dir.isWorldWritable ? .critical : .warning,
                subject: path,
                summary: "\(path) has unsafe ownership or permissions",
                evidence: evidence + ["\(FileMode.symbolic(dir.mode, isDirectory: true)) \(dir.owner):\(dir.group)"],
                fix: "`chown -R \(user):\(unit.group.isEmpty ? user : unit.group) \(path) && chmod o-w \(path)`")
        }
    }
}
