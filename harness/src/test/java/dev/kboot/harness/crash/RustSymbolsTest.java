package dev.kboot.harness.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Rust v0 symbols as the kernel's stack traces show them (syzkaller's pkg/report testdata files 748
 * and 749, and the frames around them), demangled as syzkaller's titles write them.
 */
class RustSymbolsTest {
    @Test
    void inherentAndTraitImplMethods() {
        assertEquals("<rust_binder::process::Process>::update_ref",
                RustSymbols.demangle("_RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref"));
        assertEquals("<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap",
                RustSymbols.demangle("_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap"));
    }

    @Test
    void plainFunctionsAndCrateRoots() {
        assertEquals("core::panicking::panic_fmt", RustSymbols.demangle("_RNvNtCs9jEwPDbx20M_4core9panicking9panic_fmt"));
        assertEquals("__rustc::rust_begin_unwind", RustSymbols.demangle("_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind"));
        assertEquals("core::panicking::panic_const::panic_const_sub_overflow",
                RustSymbols.demangle("_RNvNtNtCs9jEwPDbx20M_4core9panicking11panic_const24panic_const_sub_overflow"));
    }

    @Test
    void genericArgumentsTypesAndClosures() {
        // the specification's examples: std::foo::<u32, &str>, a closure, a tuple and an array type
        assertEquals("std::foo::<u32, &str>", RustSymbols.demangle("_RINvCs1234_3std3foomReE"));
        assertEquals("std::foo::{closure#0}", RustSymbols.demangle("_RNCNvCs1234_3std3foo0"));
        assertEquals("<(u8, i32) as a::T>", RustSymbols.demangle("_RYThlENtCs1_1a1T"));
        assertEquals("<[u8; 16]>::f", RustSymbols.demangle("_RNvMCs1_1aAhj10_1f"));
    }

    @Test
    void whatItCannotReadIsLeftAsItIs() {
        for (String s : new String[] {"_R", "_RNv", "_RB0_", "_RNvCu8_xyz3foo", "_RX", "kmalloc", "_RNvC9999999999_a", "_RNvCs1_3ab"}) {
            assertEquals(s, RustSymbols.demangle(s), s);
        }
    }
}
