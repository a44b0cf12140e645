import Foundation
import StewardCore

/// What a deploy of a Compose project needs beyond the in-place checkout: its CLI, the images its services run now
/// (a rollback names them again), its env file and the PostgreSQL service its numbered SQL migrations run in. The
/// containers an undo stops are asked of docker when it stops them (a release may have added a service).
public struct ComposeDeploy: Sendable {
    public var cli: ComposeCLI
    /// The images of the services the project builds (one per service), as they run before the deploy.
    public var images: [ComposeImage]
    /// The `compose-postgres` source the migrations run in, nil without one.
    public var database: BackupSource?
    /// The env file's name in the project's directory (`compose.env_file`, default `.env`).
    public var envFile: String

    public init(cli: ComposeCLI, images: [ComposeImage], database: BackupSource?, envFile: String = ".env") {
        self.cli = cli
        self.images = images
        self.database = database
        self.envFile = envFile
    }
}
