/** Where the schema reader finds Go functions: a provider's source tree, or the AWS provider's symbol index. */
import * as fs from "node:fs";
import * as path from "node:path";
import { goFunctions, goVariables, type GoFunction } from "./go-source";
import type { GoCode } from "./provider-schema";

/** A Go module checked out in a folder: packages parsed when first asked for. */
export class GoTree implements GoCode {
  readonly modulePath: string;
  private readonly packages = new Map<string, Map<string, GoFunction>>();

  constructor(readonly root: string) {
    const goMod = fs.readFileSync(path.join(root, "go.mod"), "utf8");
    this.modulePath = /^module\s+(\S+)/m.exec(goMod)?.[1] ?? "";
  }

  functionIn(packagePath: string, name: string): GoFunction | undefined {
    return this.packageFunctions(packagePath).get(name);
  }

  /** Every function of the package at `packagePath`, by name. */
  packageFunctions(packagePath: string): Map<string, GoFunction> {
    const cached = this.packages.get(packagePath);
    if (cached) return cached;
    const functions = new Map<string, GoFunction>();
    if (packagePath === this.modulePath || packagePath.startsWith(`${this.modulePath}/`)) {
      const dir = path.join(this.root, packagePath.slice(this.modulePath.length));
      const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
      for (const file of files.filter((f) => f.endsWith(".go") && !f.endsWith("_test.go")).sort()) {
        const source = fs.readFileSync(path.join(dir, file), "utf8");
        for (const fn of [...goFunctions(source, packagePath), ...goVariables(source, packagePath)]) {
          if (!functions.has(fn.name)) functions.set(fn.name, fn);
        }
      }
    }
    this.packages.set(packagePath, functions);
    return functions;
  }

  /** Import paths of every package folder under the module (tests and vendored code left out). */
  packagePaths(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      const entries = fs.readdirSync(dir, { withFileTypes: true });
      if (entries.some((e) => e.isFile() && e.name.endsWith(".go") && !e.name.endsWith("_test.go"))) {
        const relative = path.relative(this.root, dir);
        out.push(relative ? `${this.modulePath}/${relative.split(path.sep).join("/")}` : this.modulePath);
      }
      for (const e of entries) {
        if (e.isDirectory() && !["vendor", "testdata", ".git", "website", "docs"].includes(e.name)) {
          walk(path.join(dir, e.name));
        }
      }
    };
    walk(this.root);
    return out.sort();
  }
}

/**
 * The terraform-provider-aws symbol index (github.com/lonegunmanb/terraform-provider-aws-index, one
 * tag per provider release): every function and method of the provider's `internal/` packages as
 * it is in that release, one file each (`index/internal/<pkg>/func.<name>.goindex`,
 * `method.<Type>.<name>.goindex`), with its package and imports. The provider repository itself is
 * too large to bring here; the index holds the same source for what the schema reader needs.
 */
export class AwsProviderIndex implements GoCode {
  static readonly MODULE = "github.com/hashicorp/terraform-provider-aws";

  constructor(readonly root: string) {}

  functionIn(packagePath: string, name: string): GoFunction | undefined {
    if (!packagePath.startsWith(`${AwsProviderIndex.MODULE}/`)) return undefined;
    const dir = path.join(this.root, "index", packagePath.slice(AwsProviderIndex.MODULE.length + 1));
    const candidates = name.includes(".") ? [`method.${name}`] : [`func.${name}`, `var.${name}`];
    for (const candidate of candidates) {
      const file = path.join(dir, `${candidate}.goindex`);
      if (!fs.existsSync(file)) continue;
      // A var file holds the declaration's `name = expr` line without the `var` keyword.
      const text = fs
        .readFileSync(file, "utf8")
        .replace(/^package\s+\S+\n/, "")
        .replace(new RegExp(`^\\s*${name}(\\s+[\\w.*[\\]]+)?\\s*=`, "m"), `var ${name}$1 =`);
      const found = [...goFunctions(text, packagePath), ...goVariables(text, packagePath)].find((f) => f.name === name);
      if (found) return found;
    }
    return undefined;
  }

  /** The provider's own index of services: version and, per service package, its registrations. */
  manifest(): { version: string; services: { package_path: string }[] } {
    return JSON.parse(fs.readFileSync(path.join(this.root, "index", "terraform-provider-aws-index.json"), "utf8"));
  }
}
