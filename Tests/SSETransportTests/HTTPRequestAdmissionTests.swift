import SSETransport
import Testing

@Suite("HTTPRequestAdmission")
struct HTTPRequestAdmissionTests {
    @Test(arguments: ["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"])
    func methodsWithoutADefinedBodyTakeNone(method: String) {
        let admission = HTTPRequestAdmission.byMethod(method)
        #expect(!admission.takesBody)
        #expect(admission.refusal == nil)
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "REPORT"])
    func otherMethodsTakeABody(method: String) {
        #expect(HTTPRequestAdmission.byMethod(method).takesBody)
    }

    @Test func methodNotAllowedIsARefusalWithAnAllowHeader() throws {
        let admission = HTTPRequestAdmission.methodNotAllowed(allowed: ["GET", "OPTIONS"])
        #expect(!admission.takesBody)
        let refusal = try #require(admission.refusal)
        #expect(refusal.head.status == 405)
        #expect(refusal.head.headers["Allow"] == "GET, OPTIONS")
    }

    @Test func aHandlerThatSaysNothingIsAdmittedByMethod() {
        let handler = ResponseHandler { _ in .text(200, "ok") }
        #expect(handler.admission(method: "POST") == .withBody)
        #expect(handler.admission(method: "GET") == .withoutBody)
    }
}
