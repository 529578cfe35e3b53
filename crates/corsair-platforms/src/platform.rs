//! Platform names: the command-line id, the human title, parsing.

use std::fmt;
use std::str::FromStr;

use crate::Platform;

impl Platform {
    /// Every platform, in the order they are listed to users.
    pub const ALL: [Platform; 29] = [
        Platform::Express,
        Platform::Fastify,
        Platform::Nestjs,
        Platform::Fastapi,
        Platform::Django,
        Platform::Flask,
        Platform::Spring,
        Platform::Aspnet,
        Platform::Rails,
        Platform::Laravel,
        Platform::GoRsCors,
        Platform::AxumTowerHttp,
        Platform::AxumCorsair,
        Platform::Actix,
        Platform::Hono,
        Platform::Nextjs,
        Platform::Nginx,
        Platform::Apache,
        Platform::Caddy,
        Platform::Haproxy,
        Platform::ApiGatewayHttp,
        Platform::ApiGatewayCloudformation,
        Platform::ApiGatewayTerraform,
        Platform::Sst,
        Platform::Cloudfront,
        Platform::CloudfrontTerraform,
        Platform::CloudflareWorkers,
        Platform::S3,
        Platform::CorsairGateway,
    ];

    /// The kebab-case id used on the command line and in JSON (`go-rs-cors`).
    pub fn name(self) -> &'static str {
        match self {
            Platform::Express => "express",
            Platform::Fastify => "fastify",
            Platform::Nestjs => "nestjs",
            Platform::Fastapi => "fastapi",
            Platform::Django => "django",
            Platform::Flask => "flask",
            Platform::Spring => "spring",
            Platform::Aspnet => "aspnet",
            Platform::Rails => "rails",
            Platform::Laravel => "laravel",
            Platform::GoRsCors => "go-rs-cors",
            Platform::AxumTowerHttp => "axum-tower-http",
            Platform::AxumCorsair => "axum-corsair",
            Platform::Actix => "actix",
            Platform::Hono => "hono",
            Platform::Nextjs => "nextjs",
            Platform::Nginx => "nginx",
            Platform::Apache => "apache",
            Platform::Caddy => "caddy",
            Platform::Haproxy => "haproxy",
            Platform::ApiGatewayHttp => "api-gateway-http",
            Platform::ApiGatewayCloudformation => "api-gateway-cloudformation",
            Platform::ApiGatewayTerraform => "api-gateway-terraform",
            Platform::Cloudfront => "cloudfront",
            Platform::CloudfrontTerraform => "cloudfront-terraform",
            Platform::Sst => "sst",
            Platform::CloudflareWorkers => "cloudflare-workers",
            Platform::S3 => "s3",
            Platform::CorsairGateway => "corsair-gateway",
        }
    }

    /// The name people know it by (`Express (cors package)`).
    pub fn title(self) -> &'static str {
        match self {
            Platform::Express => "Express (cors package)",
            Platform::Fastify => "Fastify (@fastify/cors)",
            Platform::Nestjs => "NestJS (enableCors)",
            Platform::Fastapi => "FastAPI / Starlette (CORSMiddleware)",
            Platform::Django => "Django (django-cors-headers)",
            Platform::Flask => "Flask (Flask-CORS)",
            Platform::Spring => "Spring Boot (Spring MVC)",
            Platform::Aspnet => "ASP.NET Core",
            Platform::Rails => "Rails (rack-cors)",
            Platform::Laravel => "Laravel (config/cors.php)",
            Platform::GoRsCors => "Go (rs/cors)",
            Platform::AxumTowerHttp => "axum (tower-http CorsLayer)",
            Platform::AxumCorsair => "axum (corsair-tower)",
            Platform::Actix => "actix-web (actix-cors)",
            Platform::Hono => "Hono (hono/cors)",
            Platform::Nextjs => "Next.js (proxy / middleware)",
            Platform::Nginx => "nginx",
            Platform::Apache => "Apache httpd",
            Platform::Caddy => "Caddy",
            Platform::Haproxy => "HAProxy",
            Platform::ApiGatewayHttp => "AWS API Gateway HTTP API",
            Platform::ApiGatewayCloudformation => "AWS API Gateway HTTP API (CloudFormation)",
            Platform::ApiGatewayTerraform => "AWS API Gateway HTTP API (Terraform)",
            Platform::Cloudfront => "Amazon CloudFront response headers policy (CloudFormation)",
            Platform::CloudfrontTerraform => {
                "Amazon CloudFront response headers policy (Terraform)"
            }
            Platform::Sst => "SST (sst.aws.ApiGatewayV2)",
            Platform::CloudflareWorkers => "Cloudflare Workers",
            Platform::S3 => "Amazon S3 bucket CORS",
            Platform::CorsairGateway => "corsair serve (gateway)",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Other names accepted for a platform, compared after lower-casing and
/// dropping `-`, `_`, `.`, `/` and spaces.
const ALIASES: [(&str, Platform); 41] = [
    ("expressjs", Platform::Express),
    ("node", Platform::Express),
    ("starlette", Platform::Fastapi),
    ("djangocorsheaders", Platform::Django),
    ("flaskcors", Platform::Flask),
    ("springboot", Platform::Spring),
    ("java", Platform::Spring),
    ("net", Platform::Aspnet),
    ("dotnet", Platform::Aspnet),
    ("aspnetcore", Platform::Aspnet),
    ("csharp", Platform::Aspnet),
    ("kestrel", Platform::Aspnet),
    ("rackcors", Platform::Rails),
    ("ruby", Platform::Rails),
    ("php", Platform::Laravel),
    ("go", Platform::GoRsCors),
    ("golang", Platform::GoRsCors),
    ("rscors", Platform::GoRsCors),
    ("axum", Platform::AxumTowerHttp),
    ("towerhttp", Platform::AxumTowerHttp),
    ("corsairtower", Platform::AxumCorsair),
    ("actixweb", Platform::Actix),
    ("actixcors", Platform::Actix),
    ("next", Platform::Nextjs),
    ("httpd", Platform::Apache),
    ("apachehttpd", Platform::Apache),
    ("apigateway", Platform::ApiGatewayHttp),
    ("apigw", Platform::ApiGatewayHttp),
    ("httpapi", Platform::ApiGatewayHttp),
    ("apigatewayv2", Platform::ApiGatewayHttp),
    ("apigatewaycfn", Platform::ApiGatewayCloudformation),
    ("apigatewaysam", Platform::ApiGatewayCloudformation),
    ("apigatewaytf", Platform::ApiGatewayTerraform),
    ("apigwterraform", Platform::ApiGatewayTerraform),
    ("cloudfrontcloudformation", Platform::Cloudfront),
    ("cloudfrontcfn", Platform::Cloudfront),
    ("cloudfrontresponseheaderspolicy", Platform::Cloudfront),
    ("cloudfronttf", Platform::CloudfrontTerraform),
    ("cloudflare", Platform::CloudflareWorkers),
    ("workers", Platform::CloudflareWorkers),
    ("corsair", Platform::CorsairGateway),
];

/// A platform name that is not one of [`Platform::ALL`]'s ids or aliases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsePlatformError {
    /// The name as given.
    pub given: String,
}

impl fmt::Display for ParsePlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown platform `{}`; valid names: ", self.given)?;
        for (i, p) in Platform::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for ParsePlatformError {}

impl FromStr for Platform {
    type Err = ParsePlatformError;

    /// Accepts the ids (`go-rs-cors`), any case, and aliases (`starlette`,
    /// `.net`, `go`, `axum`, `next`, `apigateway`, …).
    fn from_str(s: &str) -> Result<Platform, ParsePlatformError> {
        let key = squash(s);
        Platform::ALL
            .iter()
            .copied()
            .find(|p| squash(p.name()) == key)
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == key)
                    .map(|(_, p)| *p)
            })
            .ok_or_else(|| ParsePlatformError {
                given: s.to_owned(),
            })
    }
}

fn squash(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | '/' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for p in Platform::ALL {
            assert_eq!(p.name().parse::<Platform>(), Ok(p));
            // The serde name (kebab-case) is the id.
            let json = serde_json::to_string(&p).expect("a platform serializes");
            assert_eq!(json, format!("\"{}\"", p.name()));
            assert!(!p.title().is_empty());
        }
    }

    #[test]
    fn aliases() {
        for (given, want) in [
            ("starlette", Platform::Fastapi),
            ("FastAPI", Platform::Fastapi),
            (".net", Platform::Aspnet),
            ("ASP.NET", Platform::Aspnet),
            ("go", Platform::GoRsCors),
            ("axum", Platform::AxumTowerHttp),
            ("next", Platform::Nextjs),
            ("next.js", Platform::Nextjs),
            ("nextjs", Platform::Nextjs),
            ("apigateway", Platform::ApiGatewayHttp),
            ("api_gateway_http", Platform::ApiGatewayHttp),
            ("Cloudflare Workers", Platform::CloudflareWorkers),
            ("api-gateway-sam", Platform::ApiGatewayCloudformation),
            ("CloudFront", Platform::Cloudfront),
            ("cloudfront_tf", Platform::CloudfrontTerraform),
        ] {
            assert_eq!(given.parse::<Platform>(), Ok(want), "{given}");
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let err = "tomcat".parse::<Platform>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("unknown platform `tomcat`"), "{msg}");
        for p in Platform::ALL {
            assert!(msg.contains(p.name()), "{msg}");
        }
    }
}
