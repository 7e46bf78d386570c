// The baseline `npm run bench` compares against: a cdktf app with one stack and one resource.
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Id } from "@cdktf/provider-random/lib/id";
import { App, TerraformStack } from "cdktf";

const app = new App();
const stack = new TerraformStack(app, "minimal");
new RandomProvider(stack, "random");
new Id(stack, "id", { byteLength: 4 });
app.synth();
