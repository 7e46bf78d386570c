/** Architecture diagrams from a synth output: stacks, their main resources, and who reads whom. */
import type { Json, SynthStack } from "./synth-output";

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/** Resource types worth a box, with their label. */
const MAIN_RESOURCES: Record<string, string> = {
  aws_kms_key: "KMS key",
  aws_s3_bucket: "S3 bucket",
  aws_elasticache_replication_group: "ElastiCache",
  aws_ecr_repository: "ECR repository",
  aws_iam_openid_connect_provider: "GitHub OIDC provider",
  aws_eks_pod_identity_association: "Pod Identity",
  aws_secretsmanager_secret: "secret",
  kubernetes_deployment_v1: "Deployment",
  kubernetes_horizontal_pod_autoscaler_v2: "HPA",
  kubernetes_network_policy_v1: "NetworkPolicy",
};

/** The boxes of one stack: module calls, Helm releases, custom resources and main resources. */
export function mainItems(stack: SynthStack): string[] {
  const { json } = stack;
  const items: string[] = [];
  for (const [name, m] of Object.entries(obj(json.module))) {
    const source = String(obj(m).source).split("/")[1];
    items.push(`${name}: ${source} module ${String(obj(m).version)}`);
  }
  const resources = obj(json.resource);
  for (const [type, label] of Object.entries(MAIN_RESOURCES)) {
    const count = Object.keys(obj(resources[type])).length;
    if (count > 0) items.push(count > 1 ? `${label} x${count}` : label);
  }
  for (const release of Object.values(obj(resources.helm_release))) items.push(`helm ${String(obj(release).name)}`);
  const kinds = Object.values(obj(resources.kubernetes_manifest)).map((m) => String(obj(obj(m).manifest).kind));
  for (const kind of [...new Set(kinds)].sort()) items.push(kind);
  return items;
}

const id = (text: string) => text.replace(/[^A-Za-z0-9]/g, "_");
const escape = (text: string) => text.replace(/"/g, "'");

/** A Mermaid flowchart of one environment; arrows point from a stack to the stacks it reads. */
export function mermaid(stacks: SynthStack[]): string {
  const lines = ["flowchart LR"];
  for (const stack of stacks) {
    lines.push(`  subgraph ${id(stack.id)}["${stack.id}"]`);
    mainItems(stack).forEach((item, i) => lines.push(`    ${id(stack.id)}_${i}["${escape(item)}"]`));
    lines.push("  end");
  }
  for (const stack of stacks) for (const dep of stack.dependencies) lines.push(`  ${id(stack.id)} --> ${id(dep)}`);
  return lines.join("\n");
}

/** The same diagram in Graphviz DOT (rendered to SVG when `dot` is installed). */
export function dot(environment: string, stacks: SynthStack[]): string {
  const lines = [`digraph "${environment}" {`, "  rankdir=LR; compound=true; node [shape=box, fontname=Helvetica];"];
  for (const stack of stacks) {
    lines.push(`  subgraph cluster_${id(stack.id)} { label="${stack.id}";`);
    const items = mainItems(stack);
    (items.length ? items : ["(empty)"]).forEach((item, i) =>
      lines.push(`    ${id(stack.id)}_${i} [label="${escape(item)}"];`),
    );
    lines.push("  }");
  }
  for (const stack of stacks) {
    for (const dep of stack.dependencies) {
      lines.push(`  ${id(stack.id)}_0 -> ${id(dep)}_0 [ltail=cluster_${id(stack.id)}, lhead=cluster_${id(dep)}];`);
    }
  }
  lines.push("}");
  return lines.join("\n");
}
