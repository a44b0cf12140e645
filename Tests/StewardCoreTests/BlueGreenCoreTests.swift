import Testing
@testable import StewardCore

/// The blue-green strategy's pure parts: its manifest keys and their errors, the upstream file Steward owns, the
/// slots' unit names, and the connection count the drain waits on.
@Suite struct BlueGreenCoreTests {
    static let app = """
        version: 1
        apps:
          shop:
            directory: /srv/shop/{instance}
            health: /health
            instances:
              www: {slots: [9104, 9204]}
            deploy:
              strategy: blue-green
              repository: /srv/git/shop.git
              slots: {unit: shop-slot@.service, drain: 5s}
        """

    @Test func aBlueGreenAppReadsItsSlots() throws {
        let manifest = try #require(ManifestFixture.manifest(Self.app), "\(ManifestFixture.errors(Self.app))")
        let shop = try #require(manifest.app(named: "shop"))
        #expect(shop.deploy?.strategy == .blueGreen)
        #expect(shop.deploy?.slots == SlotSpec(unit: "shop-slot@.service", drainSeconds: 5))
        #expect(shop.instances.first?.slots == [9104, 9204])
        #expect(shop.deploy?.slots?.unitName(port: 9204) == "shop-slot@9204.service")
        // The instance runs as its slots (the dashboard's overview matches findings to these).
        #expect(shop.units(ofInstance: "www") == ["shop-slot@9104.service", "shop-slot@9204.service"])
        #expect(shop.unitNames == ["shop-slot@9104.service", "shop-slot@9204.service"])
    }

    @Test(arguments: [
        ("slots: {unit: shop-slot@.service, drain: 5s}", "slots: {unit: shop.service}",
         "apps.shop.deploy.slots.unit: expected a template unit like \"shop-slot@.service\" (its instance name is the slot's port), got \"shop.service\""),
        ("{slots: [9104, 9204]}", "{slots: [9104, 9104]}",
         "apps.shop.instances.www.slots: expected two different ports like [9004, 9104], got the same port twice"),
        ("{slots: [9104, 9204]}", "{port: 9104}",
         "apps.shop.instances.www: strategy blue-green needs slots: [PORT, PORT] (the two loopback ports its slots listen on)"),
        ("\n      slots: {unit: shop-slot@.service, drain: 5s}", "",
         "apps.shop.deploy: strategy blue-green needs slots: {unit: app-slot@.service} (a template whose instance name is the slot's port)"),
        ("strategy: blue-green", "strategy: releases",
         "apps.shop.deploy.slots: slots is only for strategy: blue-green (this is releases)"),
    ])
    func aBlueGreenMistakeIsALocatedError(_ change: (String, String, String)) {
        let (old, new, expected) = change
        #expect(Self.app.contains(old))
        let errors = ManifestFixture.errors(Self.app.replacingOccurrences(of: old, with: new))
        #expect(errors.contains { $0.contains(expected) }, "\(errors)")
    }

    /// `shop-a@b` and `shop@a-b` would write one upstream file (`shop-a-b.conf`): refused when the manifest is read.
    @Test func twoInstancesWhoseUpstreamsWouldCollideAreRefused() {
        let text = Self.app + """

              shop-a:
                directory: /srv/shop-a/{instance}
                health: /health
                instances:
                  b: {slots: [9304, 9404]}
                deploy:
                  strategy: blue-green
                  repository: /srv/git/shop.git
                  slots: {unit: shopa-slot@.service}
            """
        let renamed = text.replacingOccurrences(of: "www: {slots: [9104, 9204]}", with: "a-b: {slots: [9104, 9204]}")
        #expect(ManifestFixture.errors(text).isEmpty, "\(ManifestFixture.errors(text))")
        let errors = ManifestFixture.errors(renamed)
        #expect(errors.contains { $0.contains("apps.shop-a: shop-a@b and shop@a-b would share nginx upstream shop-a-b.conf: rename one of them") }, "\(errors)")
    }

    @Test func theSlotUnitsBootStateCommands() {
        #expect(Systemctl.enable(["shop-slot@9104.service"]).argv == ["systemctl", "enable", "--quiet", "--", "shop-slot@9104.service"])
        #expect(Systemctl.disable(["shop-slot@9204.service"]).argv == ["systemctl", "disable", "--quiet", "--", "shop-slot@9204.service"])
    }

    @Test func theUpstreamFileNamesTheServingSlotAndIsReadBack() {
        let text = SlotUpstream.render(app: "shop", instance: "www", port: 9204)
        #expect(text.contains("upstream steward_shop_www {\n    server 127.0.0.1:9204;\n    keepalive 16;\n}"), "\(text)")
        #expect(SlotUpstream.servingPort(in: text) == 9204)
        #expect(SlotUpstream.path(app: "shop", instance: "www") == "/etc/nginx/steward/shop-www.conf")
        #expect(SlotUpstream.name(app: "my-app", instance: "v2.prod") == "steward_my_app_v2_prod")
        #expect(SlotUpstream.servingPort(in: "upstream x {\n  server 10.0.0.5:80;\n}\n") == nil, "only a loopback slot")
        #expect(SlotUpstream.servingPort(in: "") == nil)
    }

    @Test func nginxsDumpTellsWhetherASiteIncludesAndUsesTheUpstream() {
        let file = "# configuration file /etc/nginx/steward/shop-www.conf:\n" + SlotUpstream.render(app: "shop", instance: "www", port: 9104)
        let site = "# configuration file /etc/nginx/sites-enabled/shop:\nserver {\n    location / {\n        proxy_pass http://steward_shop_www;\n    }\n}\n"
        #expect(SlotUpstream.usage(inDump: file + site, app: "shop", instance: "www") == (true, true))
        // The file's own comment names the proxy_pass line: it is not a use.
        #expect(SlotUpstream.usage(inDump: file, app: "shop", instance: "www") == (true, false))
        #expect(SlotUpstream.usage(inDump: site, app: "shop", instance: "www") == (false, true))
        #expect(SlotUpstream.usage(inDump: file + site.replacingOccurrences(of: "steward_shop_www;", with: "steward_shop_www/api;"), app: "shop", instance: "www") == (true, true))
        #expect(SlotUpstream.usage(inDump: file + site.replacingOccurrences(of: "steward_shop_www;", with: "steward_shop_wwwx;"), app: "shop", instance: "www") == (true, false))
        #expect(SlotUpstream.usage(inDump: file + "    # proxy_pass http://steward_shop_www;\n", app: "shop", instance: "www") == (true, false))
    }

    @Test func theDrainCountsEstablishedConnectionsAtEitherEnd() {
        let tcp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:23A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1 1
               1: 0100007F:C350 0100007F:23A0 01 00000000:00000000 00:00000000 00000000    33        0 2 1
               2: 0100007F:23A0 0100007F:C350 01 00000000:00000000 00:00000000 00000000   999        0 3 1
               3: 0100007F:C351 0100007F:23A0 06 00000000:00000000 00:00000000 00000000    33        0 4 1
               4: 0100007F:C352 0100007F:2404 01 00000000:00000000 00:00000000 00000000    33        0 5 1
            """
        #expect(ProcParsers.establishedConnections(tcp, port: 0x23A0) == 2, "both ends of one connection; not the listener, not TIME_WAIT")
        #expect(ProcParsers.establishedConnections(tcp, port: 0x2404) == 1)
        #expect(ProcParsers.establishedConnections(tcp, port: 80) == 0)
    }

    @Test func theSwitchIsWhereABlueGreenDeployStartsServing() {
        #expect(!DeployStep.health.isAfterSwitch(.blueGreen))
        #expect(!DeployStep.start.isAfterSwitch(.blueGreen))
        #expect(DeployStep.switchTraffic.isAfterSwitch(.blueGreen))
        #expect(DeployStep.drain.isAfterSwitch(.blueGreen))
        #expect(DeployStep.health.isAfterSwitch(.releases))
        #expect(!DeployStep.build.isAfterSwitch(.inPlace))
    }
}

/// The slot rules on facts as the slot probe gathers them.
@Suite struct SlotRuleTests {
    static func facts(upstream: Int?, problem: String? = nil, active: [Int: Bool], cooling: Set<Int> = [], recorded: Int? = nil) -> Facts {
        let slots = [9104, 9204].map { SlotFacts.Slot(port: $0, unit: "shop-slot@\($0).service", active: active[$0] ?? false, coolingDown: cooling.contains($0)) }
        return Facts(slots: [SlotFacts(app: "shop", instance: "www", upstreamFile: "/etc/nginx/steward/shop-www.conf", upstreamPort: upstream,
                                       upstreamProblem: problem, slots: slots, recordedSlot: recorded, recordedDeploy: recorded == nil ? nil : 12)])
    }

    static func ids(_ facts: Facts) -> [String] {
        SlotRules.all.flatMap { $0.evaluate(AuditContext(facts: facts)) }.map(\.rule).sorted()
    }

    @Test func aHealthyInstanceHasNoFinding() {
        #expect(Self.ids(Self.facts(upstream: 9104, active: [9104: true], recorded: 9104)).isEmpty)
        // The other slot kept warm by its timer is on purpose.
        #expect(Self.ids(Self.facts(upstream: 9104, active: [9104: true, 9204: true], cooling: [9204], recorded: 9104)).isEmpty)
    }

    @Test func eachBadStateIsItsFinding() throws {
        // The serving slot down: the other one running is the way out, not waste.
        #expect(Self.ids(Self.facts(upstream: 9104, active: [9204: true], recorded: 9104)) == ["slots.serving-down"])
        #expect(Self.ids(Self.facts(upstream: 9104, active: [9104: true, 9204: true], recorded: 9104)) == ["slots.idle-running"])
        #expect(Self.ids(Self.facts(upstream: nil, problem: "absent", active: [9104: true])) == ["slots.upstream-stale"])
        #expect(Self.ids(Self.facts(upstream: 8000, active: [9104: true])) == ["slots.upstream-stale"])
        #expect(Self.ids(Self.facts(upstream: 9104, active: [9104: true], recorded: 9204)) == ["slots.upstream-not-recorded"])
        let stale = try #require(SlotRules.upstreamStale.evaluate(AuditContext(facts: Self.facts(upstream: 8000, active: [9104: true]))).first)
        #expect(stale.summary == "The upstream file of shop@www is stale: /etc/nginx/steward/shop-www.conf names port 8000, which is not one of the slots (9104, 9204)")
        #expect(stale.fix.contains("server 127.0.0.1:9104;"), "the running slot is named in the fix")
        let down = try #require(SlotRules.servingDown.evaluate(AuditContext(facts: Self.facts(upstream: 9104, active: [:]))).first)
        #expect(down.severity == .critical)
        #expect(down.fix.hasPrefix("`systemctl start shop-slot@9104.service`"))
    }

    @Test func systemctlShowGivesEachUnitsState() {
        let text = "Id=shop-slot@9104.service\nActiveState=active\n\nActiveState=inactive\nId=shop-slot@9204.service\n\nId=steward-cooldown-shop-slot-9204.timer\nActiveState=active\n"
        #expect(SlotFacts.activeStates(fromShow: text) == ["shop-slot@9104.service": true, "shop-slot@9204.service": false, "steward-cooldown-shop-slot-9204.timer": true])
    }
}
