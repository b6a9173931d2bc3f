# syntax=docker/dockerfile:1
# A static massperform binary on a distroless base, running as a non-root user.
#
# Both base images are pinned by digest, so a build gets the same bytes until
# someone changes them here. The digests were copied from public Dockerfiles
# of many unrelated projects that agree on them (golang:1.26.8, and
# distroless static-debian12:nonroot), not read from the registries
# themselves: check them, and refresh them, with
#   docker buildx imagetools inspect golang:1.26.8
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# (the "Digest:" line) before trusting a build. go.mod asks for Go 1.26.8,
# and the golang image does not fetch a newer toolchain itself.
FROM golang:1.26.8@sha256:0f063af2d465d8dcae54cce04278ada488b96f77b42449c8d071e47d016cc65a AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/massperform . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
# docker build --build-arg VERSION=1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#   --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t massperform:1.0 .
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="MassPerform" \
      org.opencontainers.image.description="A conversation-based performance year inside Slack" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/massperform /massperform
# The default embedded SQLite database (massperform.db) is written here; mount
# a volume on /data to keep it, or set DATABASE_URL to a PostgreSQL server.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
# /healthz, /readyz and /metrics, reachable from outside the container.
ENV HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/massperform"]
CMD ["serve"]
