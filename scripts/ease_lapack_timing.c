/* The LAPACK calls EASE's fit makes (Plugins/EASE via RecMath's DenseLinearAlgebra.invertSPDInPlace):
 * dpotrf("L") then dpotri("L") on an n × n symmetric positive definite matrix in double precision,
 * timed alone, so EASE's whole fit can be compared with them.
 *
 *   gcc -O2 -o /tmp/ease_lapack_timing scripts/ease_lapack_timing.c -lopenblas
 *   /tmp/ease_lapack_timing 20000 3
 *
 * The matrix is λI plus a symmetric part with small entries (diagonally dominant, so SPD); the two
 * routines do the same work for any SPD matrix of that size (no pivoting), so its values do not
 * matter for the time. Prints one line per repeat and the median. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);
extern int openblas_get_num_threads(void);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fill(double *a, int n, unsigned seed) {
    /* symmetric, entries in [0, 1), diagonal n + 500: strictly diagonally dominant, hence SPD */
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
            seed = seed * 1103515245u + 12345u;
            double v = (double)(seed >> 8) / 16777216.0;
            a[(size_t)i * n + j] = v;
            a[(size_t)j * n + i] = v;
        }
        a[(size_t)i * n + i] = (double)n + 500.0;
    }
}

static int compare(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    if (n <= 0 || repeats <= 0 || repeats > 100) {
        fprintf(stderr, "usage: %s N REPEATS (N > 0, 1 <= REPEATS <= 100)\n", argv[0]);
        return 2;
    }
    double *a = malloc((size_t)n * n * sizeof(double));
    if (!a) {
        fprintf(stderr, "cannot allocate %.1f GB for a %d x %d matrix\n", 8.0 * n * n / 1e9, n, n);
        return 1;
    }
    double totals[100];
    printf("n = %d, OpenBLAS threads = %d\n", n, openblas_get_num_threads());
    for (int r = 0; r < repeats; r++) {
        fill(a, n, 42u + (unsigned)r);
        int info = 0;
        double t0 = now();
        dpotrf_("L", &n, a, &n, &info, 1);
        double t1 = now();
        if (info != 0) { fprintf(stderr, "dpotrf info %d\n", info); return 1; }
        dpotri_("L", &n, a, &n, &info, 1);
        double t2 = now();
        if (info != 0) { fprintf(stderr, "dpotri info %d\n", info); return 1; }
        totals[r] = t2 - t0;
        printf("repeat %d: dpotrf %.2f s, dpotri %.2f s, total %.2f s\n", r + 1, t1 - t0, t2 - t1, t2 - t0);
        fflush(stdout);
    }
    qsort(totals, (size_t)repeats, sizeof(double), compare);
    printf("median total %.2f s\n", totals[repeats / 2]);
    free(a);
    return 0;
}
