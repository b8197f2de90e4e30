# Reference values for semwb.conditional from R's lm() on data.csv:
# simple slopes, Johnson-Neyman bounds (base-R formulas and rockchalk::testSlopes),
# three-way slopes, index of moderated mediation (PROCESS models 7 and 14),
# turning point (delta method, Fieller), Lind-Mehlum U-test, moderated curve.
# Run: cd tests/reference/moderation_observed && Rscript make_reference.R
source("../_lib/lavaan_json.R")
suppressPackageStartupMessages(library(rockchalk))

d <- read.csv("data.csv")
LEVEL <- 0.95

coef_block <- function(fit) {
  V <- vcov(fit)
  list(names = names(coef(fit)), est = unname(coef(fit)),
       vcov = lapply(seq_len(nrow(V)), function(i) unname(V[i, ])),
       df = fit$df.residual)
}

# slope of focal at moderator values: b_f + sum_j b_j * prod(mods); weights g
lincomb <- function(fit, g) {
  b <- coef(fit); V <- vcov(fit)
  g <- g[names(b)]; g[is.na(g)] <- 0
  est <- sum(g * b); se <- sqrt(drop(t(g) %*% V %*% g))
  tv <- est / se; q <- qt(0.5 + LEVEL / 2, fit$df.residual)
  list(est = est, se = se, stat = tv, pvalue = 2 * pt(abs(tv), fit$df.residual, lower.tail = FALSE),
       ci_lower = est - q * se, ci_upper = est + q * se)
}

jn_roots <- function(fit, g0, g1) {
  b <- coef(fit); V <- vcov(fit)
  fill <- function(g) { g <- g[names(b)]; g[is.na(g)] <- 0; g }
  g0 <- fill(g0); g1 <- fill(g1)
  q2 <- qt(0.5 + LEVEL / 2, fit$df.residual)^2
  c0 <- sum(g0 * b); c1 <- sum(g1 * b)
  a <- c1^2 - q2 * drop(t(g1) %*% V %*% g1)
  bb <- 2 * (c0 * c1 - q2 * drop(t(g0) %*% V %*% g1))
  cc <- c0^2 - q2 * drop(t(g0) %*% V %*% g0)
  disc <- bb^2 - 4 * a * cc
  roots <- if (disc > 0) sort(c((-bb - sqrt(disc)) / (2 * a), (-bb + sqrt(disc)) / (2 * a))) else numeric(0)
  list(roots = roots, a = a, region = if (disc > 0) (if (a > 0) "outside" else "inside")
       else (if (a > 0) "everywhere" else "nowhere"))
}

out <- list(r_version = R.version.string,
            rockchalk_version = as.character(packageVersion("rockchalk")),
            n = nrow(d), level = LEVEL)

# ---- two-way moderation, raw scores --------------------------------------
fit2 <- lm(y ~ x + w + x:w, data = d)
wv <- c(mean(d$w) - sd(d$w), mean(d$w), mean(d$w) + sd(d$w))
slopes <- lapply(wv, function(v) c(list(w = v), lincomb(fit2, c(x = 1, "x:w" = v))))
ps <- plotSlopes(fit2, plotx = "x", modx = "w", modxVals = "std.dev.", plotPoints = FALSE)
ts <- testSlopes(ps)
out$two_way <- c(coef_block(fit2), list(
  w_mean = mean(d$w), w_sd = sd(d$w), w_min = min(d$w), w_max = max(d$w),
  w_p16 = unname(quantile(d$w, 0.16)), w_p50 = unname(quantile(d$w, 0.50)),
  w_p84 = unname(quantile(d$w, 0.84)),
  slopes = slopes,
  jn = jn_roots(fit2, c(x = 1), c("x:w" = 1)),
  rockchalk = list(w = unname(ts$hypotests[[1]]), slope = unname(ts$hypotests$slope),
                   se = unname(ts$hypotests[["Std. Error"]]),
                   roots = unname(ts$jn$roots))))

# ---- the same model on mean-centered x and w (what products.py makes) -----
dc <- transform(d, x = x - mean(x), w = w - mean(w))
fit2c <- lm(y ~ x + w + x:w, data = dc)
out$two_way_centered <- c(coef_block(fit2c), list(x_mean = mean(d$x), w_mean = mean(d$w)))

# ---- three-way moderation ---------------------------------------------------
fit3 <- lm(y3 ~ x * w * z, data = d)
zv <- c(mean(d$z) - sd(d$z), mean(d$z) + sd(d$z))
grid <- expand.grid(w = wv, z = zv)
out$three_way <- c(coef_block(fit3), list(
  z_mean = mean(d$z), z_sd = sd(d$z),
  slopes = lapply(seq_len(nrow(grid)), function(i) {
    v <- grid$w[i]; u <- grid$z[i]
    c(list(w = v, z = u), lincomb(fit3, c(x = 1, "x:w" = v, "x:z" = u, "x:w:z" = v * u)))
  }),
  jn_w_at_z_mean = jn_roots(fit3, c(x = 1, "x:z" = mean(d$z)),
                            c("x:w" = 1, "x:w:z" = mean(d$z)))))

# ---- moderated mediation: PROCESS model 7 (first stage) and 14 (second) ----
fa <- lm(m ~ x + w + x:w, data = d)
fb <- lm(ym ~ x + m, data = d)
a1 <- coef(fa)[["x"]]; a3 <- coef(fa)[["x:w"]]; b1 <- coef(fb)[["m"]]
out$model7 <- list(
  m_equation = coef_block(fa), y_equation = coef_block(fb),
  index = a3 * b1,
  index_se_delta = sqrt(b1^2 * vcov(fa)["x:w", "x:w"] + a3^2 * vcov(fb)["m", "m"]),
  w = wv, conditional = (a1 + a3 * wv) * b1)
fa14 <- lm(m ~ x, data = d)
fb14 <- lm(ym ~ x + m + w + m:w, data = d)
a <- coef(fa14)[["x"]]; bm <- coef(fb14)[["m"]]; b3 <- coef(fb14)[["m:w"]]
out$model14 <- list(m_equation = coef_block(fa14), y_equation = coef_block(fb14),
                    index = a * b3, w = wv, conditional = a * (bm + b3 * wv))

# ---- inverted U: turning point, Fieller, Lind-Mehlum ------------------------
fq <- lm(yq ~ u + I(u^2), data = d)
b <- coef(fq); V <- vcov(fq); dfr <- fq$df.residual
b1q <- b[["u"]]; b2q <- b[["I(u^2)"]]
tp <- -b1q / (2 * b2q)
grad <- c(-1 / (2 * b2q), b1q / (2 * b2q^2))
Vq <- V[c("u", "I(u^2)"), c("u", "I(u^2)")]
tp_se <- sqrt(drop(t(grad) %*% Vq %*% grad))
tc <- qt(0.5 + LEVEL / 2, dfr)
# Fieller (Lind & Mehlum 2010, eq. 6): (b1 + 2 b2 x)^2 = t^2 (s11 + 4 x s12 + 4 x^2 s22)
qa <- 4 * b2q^2 - 4 * tc^2 * Vq[2, 2]
qb <- 4 * b1q * b2q - 4 * tc^2 * Vq[1, 2]
qc <- b1q^2 - tc^2 * Vq[1, 1]
fieller <- sort(c((-qb - sqrt(qb^2 - 4 * qa * qc)) / (2 * qa), (-qb + sqrt(qb^2 - 4 * qa * qc)) / (2 * qa)))
xl <- min(d$u); xh <- max(d$u)
end_slope <- function(x0) {
  s <- b1q + 2 * b2q * x0
  se <- sqrt(Vq[1, 1] + 4 * x0^2 * Vq[2, 2] + 4 * x0 * Vq[1, 2])
  c(s, se, s / se)
}
lo <- end_slope(xl); hi <- end_slope(xh)
stat <- if (b2q < 0) min(lo[3], -hi[3]) else min(-lo[3], hi[3])
out$quadratic <- c(coef_block(fq), list(
  low = xl, high = xh, turning_point = tp, turning_point_se = tp_se,
  delta_ci = c(tp - tc * tp_se, tp + tc * tp_se), fieller = fieller,
  slope_low = lo[1], se_low = lo[2], t_low = lo[3],
  slope_high = hi[1], se_high = hi[2], t_high = hi[3],
  stat = stat, pvalue = pt(stat, dfr, lower.tail = FALSE),
  pvalue_max_one_sided = max(pt(lo[3], dfr, lower.tail = FALSE), pt(hi[3], dfr))))

# ---- moderated inverted U (Haans et al. 2016) --------------------------------
fm <- lm(yqw ~ u + I(u^2) + w + u:w + I(u^2):w, data = d)
bm <- coef(fm); Vm <- vcov(fm)
nm <- c("u", "I(u^2)", "u:w", "I(u^2):w")
at_w <- lapply(wv, function(v) {
  A <- bm[["u"]] + bm[["u:w"]] * v; B <- bm[["I(u^2)"]] + bm[["I(u^2):w"]] * v
  tpw <- -A / (2 * B)
  g_tp <- c(-1 / (2 * B), A / (2 * B^2), -v / (2 * B), A * v / (2 * B^2))
  N <- bm[["u"]] * bm[["I(u^2):w"]] - bm[["I(u^2)"]] * bm[["u:w"]]
  shift <- N / (2 * B^2)
  g_sh <- c(bm[["I(u^2):w"]] / (2 * B^2), -bm[["u:w"]] / (2 * B^2) - N / B^3,
            -bm[["I(u^2)"]] / (2 * B^2), bm[["u"]] / (2 * B^2) - N * v / B^3)
  Vs <- Vm[nm, nm]
  list(w = v, turning_point = tpw, turning_point_se = sqrt(drop(t(g_tp) %*% Vs %*% g_tp)),
       shift = shift, shift_se = sqrt(drop(t(g_sh) %*% Vs %*% g_sh)),
       fitted_at_low = unname(predict(fm, data.frame(u = xl, w = v))),
       fitted_se_at_low = unname(predict(fm, data.frame(u = xl, w = v), se.fit = TRUE)$se.fit))
})
out$quadratic_moderated <- c(coef_block(fm), list(at = at_w))

write_json_full(out, "reference.json")
