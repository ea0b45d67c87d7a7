import Foundation
import HTTPServer
import JumperCore

/// Checks the license key of a request: the `X-License-Key` header, or `license_key` in the body.
struct Authenticator: Sendable {
    let keys: LicenseKeyStore

    /// Returns nil when the request may proceed, otherwise the contract's 401 or 403 response.
    func reject(_ request: HTTPRequest, fields: RequestFields?) -> HTTPResponse? {
        let headerKey = request.header("x-license-key")?.trimmingCharacters(in: .whitespaces)
        let bodyKey = (try? fields?.string("license_key")) ?? nil
        guard let key = headerKey ?? bodyKey, !key.isEmpty else {
            return .error(
                status: 401,
                title: "Authentication required",
                message: "Provide license_key in request body or X-License-Key header"
            )
        }
        switch self.keys.tier(of: key) {
        case .pro:
            return nil
        case .basic:
            return .error(
                status: 403,
                title: "Jumper Pro license required",
                message: "The public API requires a Jumper Pro license"
            )
        case nil:
            return .error(
                status: 403,
                title: "Invalid license key",
                message: "The license key is not known to this server. Use a key from the server's license-keys file or JUMPER_LICENSE_KEYS."
            )
        }
    }
}
