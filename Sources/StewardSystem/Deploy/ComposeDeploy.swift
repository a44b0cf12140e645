import Foundation
import StewardCore

/// What a deploy of a Compose project needs beyond the in-place checkout: its CLI, the images its services run now
/// (a rollback names them again), its containers other than the database (stopped while a database is put back),
/// and the PostgreSQL service its numbered SQL migrations run in.
public struct ComposeDeploy: Sendable {
    public var cli: ComposeCLI
    /// The images of the services the project builds (one per service), as they run before the deploy.
    public var images: [ComposeImage]
    public var appContainers: [String]
    /// The `compose-postgres` source the migrations run in, nil without one.
    public var database: BackupSource?
    /// The env file's name in the project's directory (`compose.env_file`, default `.env`).
    public var envFile = ".env"

    public init(cli: ComposeCLI, images: [ComposeImage], appContainers: [String], database: BackupSource?) {
        self.cli = cli
        self.images = images
        self.appContainers = appContainers
        self.database = database
    }
}
