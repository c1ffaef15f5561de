#!/usr/bin/env bash
# Checks that a package outside this one can depend on arenastress as a versioned git
# dependency, the way a user would: a clone of this repository's HEAD tagged 1.0.0, and
# a package whose Package.swift names it `from: "1.0.0"` and whose program is
# Examples/LibraryUse/main.swift (the code the README shows). Builds it and runs it.
#   scripts/library-check.sh [SCRATCH_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
rm -rf "$work/arenastress" "$work/user"
mkdir -p "$work/user/Sources/LibraryUse"

git clone --quiet "$root" "$work/arenastress"
git -C "$work/arenastress" -c user.name=check -c user.email=check@localhost tag -a 1.0.0 -m "library check"

cp "$root/Examples/LibraryUse/main.swift" "$work/user/Sources/LibraryUse/main.swift"
cat > "$work/user/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "LibraryUse",
    dependencies: [.package(url: "file://$work/arenastress", from: "1.0.0")],
    targets: [
        .executableTarget(
            name: "LibraryUse",
            dependencies: [
                .product(name: "ArenaModel", package: "arenastress"),
                .product(name: "HeapCheck", package: "arenastress"),
                .product(name: "ArenaStress", package: "arenastress"),
                .product(name: "Scenario", package: "arenastress"),
            ]
        ),
    ]
)
SWIFT

cd "$work/user"
swift build ${SWIFT_FLAGS:-} 2>&1 | tail -n 3
out=$(swift run --skip-build LibraryUse)
echo "$out"
grep -q "heap sound" <<<"$out" && grep -q "passed" <<<"$out" || { echo "library check: the outside package did not run as expected" >&2; exit 1; }
echo "library check: an outside package depends on arenastress 1.0.0, builds and runs"
