// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, ...) to expect.
import { Testing } from "cdktf";

Testing.setupJest();

// The pinned AWS SDK runs on Node 20; its notice that later releases need Node 22 is noise in tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
