// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, ...) to expect.
import { Testing } from "cdktf";

Testing.setupJest();
