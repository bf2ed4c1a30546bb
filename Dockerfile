# The vitals image: a generator for `vitals load --segment-index $JOB_COMPLETION_INDEX
# --segments N` pods and for `vitals merge` (docs/distributed.md).
#   docker build -t vitals:dev .
#   docker run --rm vitals:dev load --help
# Build stage: Debian 12 (bookworm) with the packages of scripts/setup (the same script, so
# the image builds with exactly what CI builds with); release preset, no tests.
FROM debian:bookworm AS build
COPY scripts/setup /src/scripts/setup
RUN /src/scripts/setup && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN rm -rf build && cmake --preset release >/dev/null \
    && cmake --build --preset release --target vitals -j"$(nproc)" \
    && strip build/release/vitals

# Runtime stage: the shared libraries vitals links (ldd build/release/vitals) and the CA store.
FROM debian:bookworm-slim
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       ca-certificates libcurl4 libfmt9 libhiredis0.14 libpq5 libre2-9 libsqlite3-0 libssl3 \
       libyaml-cpp0.7 zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/vitals /usr/local/bin/vitals
COPY examples /usr/share/vitals/examples
# Results and the store go to a volume: --json /results/..., --store /results/vitals.db.
WORKDIR /results
ENTRYPOINT ["vitals"]
CMD ["--help"]
