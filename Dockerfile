# syntax=docker/dockerfile:1
# A static massperform binary on a distroless base, running as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/massperform . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/massperform /massperform
# The default embedded SQLite database (massperform.db) is written here; mount
# a volume on /data to keep it, or set DATABASE_URL to a PostgreSQL server.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENTRYPOINT ["/massperform"]
CMD ["serve"]
